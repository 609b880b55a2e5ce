"""ONNX Runtime's side of bench/cli-latency.sh: embed a text file line by line at batch 1, like `leap4j embed
--batch-size 1`: tokenize (Hugging Face tokenizers, the model's tokenizer.json), run the ONNX graph (optimisation
level ALL, intra-op threads = THREADS, inter-op 1), pool (mean or CLS) and normalise, write one JSON line per input.
usage: python3 bench/python/ort_embed.py MODEL.onnx TOKENIZER.json mean|cls THREADS INPUT OUTPUT [BATCH]
(OUTPUT - is stdout; BATCH, default 1, inputs per run, padded to the batch's longest)
"""
import json
import sys

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer


def main():
    onnx, tok_path, pooling, threads, inp, out = sys.argv[1:7]
    batch = int(sys.argv[7]) if len(sys.argv) > 7 else 1
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
        lines = [line.rstrip("\n") for line in f]
        for start in range(0, len(lines), batch):
            # one at a time, as the batch-1 path always did: encode_batch would tokenize on a thread pool of its own
            encs = [tok.encode(t) for t in lines[start:start + batch]]
            width = max(len(e.ids) for e in encs)
            # padded to the batch's longest row, as a caller of ONNX Runtime does
            ids = np.zeros((len(encs), width), dtype=np.int64)
            mask = np.zeros((len(encs), width), dtype=np.int64)
            for r, e in enumerate(encs):
                ids[r, :len(e.ids)] = e.ids
                mask[r, :len(e.ids)] = 1
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in names:
                feed["token_type_ids"] = np.zeros_like(ids)
            h = sess.run(None, feed)[0]  # (B, T, C) last hidden state
            for r in range(len(encs)):
                if pooling == "mean":
                    m = mask[r].astype(np.float32)[:, None]
                    e = (h[r] * m).sum(axis=0) / m.sum()
                else:
                    e = h[r][0]
                e = e / max(float(np.linalg.norm(e)), 1e-12)
                w.write(json.dumps({"embedding": [round(float(v), 7) for v in e]}) + "\n")


if __name__ == "__main__":
    main()
