"""Independent check that a leap4j model folder is a standard Hugging Face BERT checkpoint: reads config.json and
model.safetensors with plain json + numpy (no leap4j code), runs a textbook BERT forward (HF names, (out, in)
linear layout, post-LN, erf GELU, mean pooling, L2 normalisation) on given token ids, and prints the embedding's
cosine to a reference embedding (e.g. `leap4j embed --theta 2` output for the same text).
Usage: python3 check_hf_bert.py MODEL_DIR "101,7592,2088,102" EMBED_JSONL_LINE_FILE"""
import json, math, struct, sys
import numpy as np

def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        assert meta["dtype"] == "F32", (name, meta["dtype"])
        a, b = meta["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype="<f4").reshape(meta["shape"]).astype(np.float64)
    return out

def ln(x, g, b, eps):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * g + b

def main():
    d, ids, ref_file = sys.argv[1], [int(t) for t in sys.argv[2].split(",")], sys.argv[3]
    cfg = json.load(open(d + "/config.json"))
    w = load_safetensors(d + "/model.safetensors")
    C, H, L, eps = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_hidden_layers"], cfg["layer_norm_eps"]
    D = C // H
    gelu = np.vectorize(lambda v: 0.5 * v * (1 + math.erf(v / math.sqrt(2))))
    T = len(ids)
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:T] + w["embeddings.token_type_embeddings.weight"][0]
    x = ln(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    lin = lambda x, p: x @ w[p + ".weight"].T + w[p + ".bias"]
    for l in range(L):
        p = "encoder.layer.%d." % l
        q, k, v = (lin(x, p + "attention.self." + n).reshape(T, H, D).transpose(1, 0, 2) for n in ("query", "key", "value"))
        s = q @ k.transpose(0, 2, 1) / math.sqrt(D)
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        a = (s @ v).transpose(1, 0, 2).reshape(T, C)
        x = ln(lin(a, p + "attention.output.dense") + x, w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
        h = gelu(lin(x, p + "intermediate.dense"))
        x = ln(lin(h, p + "output.dense") + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    e = x.mean(0)
    e /= np.linalg.norm(e)
    ref = np.array(json.loads(open(ref_file).readline())["embedding"])
    print("tensors %d, layers %d, hidden %d; cosine(numpy BERT, leap4j) = %.7f" % (len(w), L, C, float(e @ ref / np.linalg.norm(ref))))

main()
