package dev.leap4j.exit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leap4j.api.ModelFormatException;
import dev.leap4j.api.UsageException;
import dev.leap4j.model.BertWeights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The layers a model runs when its depth is capped at K, kept in the model folder ({@value #FILE}): a model trained
 * on a ladder of skip paths ({@code leap4j train --path}) names each rung here, so {@code --depth K} runs the rung of
 * K layers it was trained for (e.g. 2,5,7,9,10,11,12 for K = 7) instead of its first K layers, which such a model was
 * never trained to stop after. A depth with no rung, and every depth of a model without the file, runs the first K
 * layers. Skipped layers pass the hidden state on unchanged, so a rung is the model rebuilt from those layers
 * ({@link BertWeights#path}, nothing copied).
 *
 * @param paths the rungs, each strictly ascending in 1..L and shorter than L, at most one per depth
 */
public record DepthPaths(List<int[]> paths) {
    public static final String FILE = "leap4j_paths.json";
    public static final DepthPaths NONE = new DepthPaths(List.of());

    public DepthPaths {
        paths = List.copyOf(paths.stream().map(int[]::clone).sorted(java.util.Comparator.comparingInt(p -> p.length)).toList());
        for (int i = 1; i < paths.size(); i++) {
            if (paths.get(i).length == paths.get(i - 1).length) {
                throw new UsageException("two depth paths run " + paths.get(i).length + " layers: at most one path per depth");
            }
        }
    }

    /** The ladder's rungs for a model of numLayers layers: every path shorter than the model (the full stack needs none). */
    public static DepthPaths of(List<int[]> ladder, int numLayers) {
        List<int[]> rungs = new ArrayList<>();
        for (int[] p : ladder) {
            BertWeights.checkPath(p, numLayers);
            if (p.length < numLayers) rungs.add(p);
        }
        return new DepthPaths(rungs);
    }

    /** Checks every rung against a model of numLayers layers. */
    public void check(int numLayers) {
        for (int[] p : paths) {
            BertWeights.checkPath(p, numLayers);
            if (p.length >= numLayers) throw new UsageException("a depth path runs fewer layers than the model's " + numLayers + ", got " + p.length);
        }
    }

    /** The rung of exactly depth layers, or null: that depth runs the first layers. */
    public int[] at(int depth) {
        for (int[] p : paths) if (p.length == depth) return p.clone();
        return null;
    }

    /** A view per rung depth over w's arrays: what the engine runs at that depth. */
    public Map<Integer, BertWeights> views(BertWeights w) {
        Map<Integer, BertWeights> m = new TreeMap<>();
        for (int[] p : paths) m.put(p.length, w.path(p));
        return m;
    }

    /** The paths in a model folder of numLayers layers; {@link #NONE} when it has none. */
    public static DepthPaths read(Path dir, int numLayers) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) return NONE;
        JsonNode root = FolderJson.read(file);
        if (root == null || !root.path("paths").isArray()) throw new ModelFormatException(file + ": expected an object with a \"paths\" list");
        List<int[]> paths = new ArrayList<>();
        for (JsonNode n : root.path("paths")) {
            if (!n.isArray() || n.size() > numLayers) {
                throw new ModelFormatException(file + ": path " + paths.size() + " must be a list of at most " + numLayers + " layer numbers");
            }
            int[] p = new int[n.size()];
            for (int i = 0; i < p.length; i++) {
                if (!n.get(i).isInt()) throw new ModelFormatException(file + ": path " + paths.size() + " holds " + n.get(i) + ", not a layer number");
                p[i] = n.get(i).asInt();
            }
            paths.add(p);
        }
        try {
            DepthPaths d = new DepthPaths(paths);
            d.check(numLayers);
            return d;
        } catch (UsageException e) {
            throw new ModelFormatException(file + ": " + e.getMessage());
        }
    }

    /** Writes the paths into a model folder, replacing the file whole (temporary file, then rename); none: removes it. */
    public void write(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (paths.isEmpty()) {
            Files.deleteIfExists(file);
            return;
        }
        ObjectNode root = FolderJson.JSON.createObjectNode();
        root.put("about", "leap4j's depth paths: with its depth capped at K (--depth K), the model runs the path of K layers listed here "
                + "(1-based, the skipped layers pass the hidden state on), else its first K layers");
        ArrayNode arr = root.putArray("paths");
        for (int[] p : paths) {
            ArrayNode a = arr.addArray();
            for (int l : p) a.add(l);
        }
        FolderJson.write(dir, FILE, root);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DepthPaths d && d.paths.size() == paths.size()
                && java.util.stream.IntStream.range(0, paths.size()).allMatch(i -> Arrays.equals(paths.get(i), d.paths.get(i)));
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (int[] p : paths) h = 31 * h + Arrays.hashCode(p);
        return h;
    }

    @Override
    public String toString() {
        return paths.stream().map(Arrays::toString).toList().toString();
    }
}
