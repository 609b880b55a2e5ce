"""ONNX Runtime's per-operator time on one input, the counterpart of scripts/MatmulBench.java: runs the model's ONNX
graph (optimisation level ALL, intra-op threads 1) on one input of T tokens with ONNX Runtime's profiler on, then
prints the median time per call of each kind of node, and GFLOP/s for the products with a weight matrix, whose
shapes are those of MatmulBench's rows at M = T (query, key and value are three 384 x 384 products here).
usage: python3 bench/python/ort_op_profile.py MODEL.onnx T [RUNS]
"""
import json
import os
import statistics
import sys
import tempfile
from collections import defaultdict

import numpy as np
import onnxruntime as ort


def main():
    onnx, tokens = sys.argv[1], int(sys.argv[2])
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(onnx, opts, providers=["CPUExecutionProvider"])
    names = {i.name for i in sess.get_inputs()}
    ids = np.full((1, tokens), 2000, dtype=np.int64)
    ids[0, 0], ids[0, -1] = 101, 102
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    if "token_type_ids" in names:
        feed["token_type_ids"] = np.zeros_like(ids)
    for _ in range(50):
        sess.run(None, feed)
    # a second session with the profiler on, so the warm-up is not profiled
    prof_dir = tempfile.mkdtemp()
    opts.enable_profiling = True
    opts.profile_file_prefix = os.path.join(prof_dir, "ort")
    sess = ort.InferenceSession(onnx, opts, providers=["CPUExecutionProvider"])
    for _ in range(50):
        sess.run(None, feed)
    for _ in range(runs):
        sess.run(None, feed)
    trace = json.load(open(sess.end_profiling()))
    per_node = defaultdict(list)
    op_of, shape_of = {}, {}
    for e in trace:
        if e.get("cat") != "Node" or not e["name"].endswith("_kernel_time"):
            continue
        node = e["name"][: -len("_kernel_time")]
        per_node[node].append(e["dur"])  # microseconds
        args = e.get("args", {})
        op_of[node] = args.get("op_name", "?")
        # initializers (the weights) are left out of input_type_shape: a weight product lists one input
        ins = [list(s.values())[0] for s in args.get("input_type_shape", [])]
        outs = [list(s.values())[0] for s in args.get("output_type_shape", [])]
        shape_of[node] = (ins, outs)
    by_op = defaultdict(float)
    total = 0.0
    mm_rows = []
    for node, durs in per_node.items():
        d = statistics.median(durs[-runs:])
        by_op[op_of[node]] += d
        total += d
        ins, outs = shape_of[node]
        if op_of[node] in ("MatMul", "FusedMatMul", "Gemm") and len(ins) == 1 and outs:
            m, k, n = int(np.prod(ins[0][:-1])), ins[0][-1], outs[0][-1]
            mm_rows.append((k, n, m, d, 2.0 * m * k * n / (d * 1e3)))
    print(f"onnxruntime {ort.__version__}, {tokens} tokens, 1 thread, median of {runs} runs; sum of node medians {total / 1000:.2f} ms")
    print("| operator | ms per input | share |")
    print("|---|---|---|")
    for op, d in sorted(by_op.items(), key=lambda x: -x[1]):
        print(f"| {op} | {d / 1000:.3f} | {100 * d / total:.0f}% |")
    agg = defaultdict(list)
    for k, n, m, d, g in mm_rows:
        agg[(m, k, n)].append(g)
    print()
    print("| rows M | K | N | GFLOP/s (median over the nodes of that shape) |")
    print("|---|---|---|---|")
    for (m, k, n), gs in sorted(agg.items()):
        print(f"| {m} | {k} | {n} | {statistics.median(gs):.1f} |")


if __name__ == "__main__":
    main()
