package dev.leap4j.load;

import dev.leap4j.api.UsageException;
import dev.leap4j.model.BertWeights;
import dev.leap4j.model.BertConfig;
import dev.leap4j.model.Pooling;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The models leap4j knows by name. Each is its own artifact ({@code dev.leap4j:leap4j-model-<name>}), so an
 * application carries only the model it uses; the artifact brings the LangChain4j embedding jar (Maven Central)
 * whose ONNX file and tokenizer are read, so they work offline. On first use each is imported once into a
 * safetensors folder under the cache directory, which later loads read without the artifact. The jars carry no prompts, so each model's published prompts (the ones its
 * model card tells users to put before queries and documents) are written down here.
 */
public enum BuiltinModel {
    ALL_MINILM_L6_V2("all-minilm-l6-v2", "all-minilm-l6-v2", 12, Pooling.MEAN, true, 256),
    BGE_SMALL_EN_V15("bge-small-en-v1.5", "bge-small-en-v1.5", 12, Pooling.CLS, true, 512,
            "query", "Represent this sentence for searching relevant passages: "),
    E5_SMALL_V2("e5-small-v2", "e5-small-v2", 12, Pooling.MEAN, true, 512,
            "query", "query: ", "passage", "passage: ");

    public final String id;
    private final String resource;
    private final int heads;
    private final Pooling pooling;
    private final boolean normalize;
    private final int maxLength;
    private final Prompts prompts;

    /** @param prompts name, text, name, text, ... */
    BuiltinModel(String id, String resource, int heads, Pooling pooling, boolean normalize, int maxLength, String... prompts) {
        this.id = id;
        this.resource = resource;
        this.heads = heads;
        this.pooling = pooling;
        this.normalize = normalize;
        this.maxLength = maxLength;
        Map<String, String> byName = new LinkedHashMap<>();
        for (int i = 0; i + 1 < prompts.length; i += 2) byName.put(prompts[i], prompts[i + 1]);
        this.prompts = new Prompts(byName, null);
    }

    public static BuiltinModel byName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (BuiltinModel m : values()) if (m.id.equals(n)) return m;
        return null;
    }

    public static String names() {
        return Arrays.stream(values()).map(m -> m.id).collect(Collectors.joining(", "));
    }

    /** The prompts the model was published with (none for all-MiniLM, which was trained without any). */
    public Prompts prompts() {
        return prompts;
    }

    /** The imported folder under cacheDir, importing it first if needed. */
    public Path folder(Path cacheDir) throws IOException {
        Path dir = cacheDir.resolve(id);
        if (Files.isRegularFile(dir.resolve("model.safetensors")) && Files.isRegularFile(dir.resolve("config.json"))) {
            writePromptsIfMissing(dir);
            return dir;
        }
        byte[] onnx = resourceBytes(resource + ".onnx");
        OnnxImport.Result r = OnnxImport.read(onnx, resource + ".onnx");
        BertConfig config = new BertConfig(r.vocabSize(), r.hidden(), r.numLayers(), heads, r.intermediate(),
                r.maxPositions(), r.typeVocabSize(), r.layerNormEps(), pooling, normalize, Math.min(maxLength, r.maxPositions()));
        BertWeights w = BertWeights.fromHuggingFace(config, r.tensors(), resource + ".onnx");
        Files.createDirectories(cacheDir);
        Path tok = Files.createTempFile(cacheDir, "tokenizer", ".json");
        try {
            try (InputStream in = open(resource + "-tokenizer.json")) {
                Files.copy(in, tok, StandardCopyOption.REPLACE_EXISTING);
            }
            ModelFolder.write(dir, config, w, tok, prompts);
        } finally {
            Files.deleteIfExists(tok);
        }
        return dir;
    }

    /** Folders imported before prompts were written lack the file; adding it keeps them from silently losing prompts. */
    void writePromptsIfMissing(Path dir) throws IOException {
        if (!Files.exists(dir.resolve(Prompts.FILE))) prompts.write(dir);
    }

    /** The original ONNX file's bytes (the parity oracle runs it). */
    public byte[] onnxBytes() throws IOException {
        return resourceBytes(resource + ".onnx");
    }

    private InputStream open(String name) {
        InputStream in = BuiltinModel.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new UsageException("the built-in model " + id + " is not on the classpath: add the dependency dev.leap4j:"
                    + artifact() + " (or give a model folder)");
        }
        return in;
    }

    /** The artifact that carries this model. */
    public String artifact() {
        return "leap4j-model-" + id;
    }

    private byte[] resourceBytes(String name) throws IOException {
        try (InputStream in = open(name)) {
            return in.readAllBytes();
        }
    }
}
