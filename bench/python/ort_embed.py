"""ONNX Runtime's side of bench/cli-latency.sh: embed a text file line by line at batch 1, like `leap4j embed
--batch-size 1`: tokenize (Hugging Face tokenizers, the model's tokenizer.json), run the ONNX graph (optimisation
level ALL, intra-op threads = THREADS, inter-op 1), pool (mean or CLS) and normalise, write one JSON line per input.
usage: python3 bench/python/ort_embed.py MODEL.onnx TOKENIZER.json mean|cls THREADS INPUT OUTPUT   (OUTPUT - is stdout)
"""
import json
import sys

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer


def main():
    onnx, tok_path, pooling, threads, inp, out = sys.argv[1:7]
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.intra_op_num_threads = int(threads)
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(onnx, opts, providers=["CPUExecutionProvider"])
    names = {i.name for i in sess.get_inputs()}
    tok = Tokenizer.from_file(tok_path)
    tok.no_padding()
    tok.enable_truncation(512)
    with open(inp, encoding="utf-8") as f, (sys.stdout if out == "-" else open(out, "w", encoding="utf-8")) as w:
        for line in f:
            enc = tok.encode(line.rstrip("\n"))
            ids = np.asarray([enc.ids], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
            if "token_type_ids" in names:
                feed["token_type_ids"] = np.zeros_like(ids)
            h = sess.run(None, feed)[0][0]  # (T, C) last hidden state
            e = h.mean(axis=0) if pooling == "mean" else h[0]
            e = e / max(float(np.linalg.norm(e)), 1e-12)
            w.write(json.dumps({"embedding": [round(float(v), 7) for v in e]}) + "\n")


if __name__ == "__main__":
    main()
