"""Cosine between the vectors of two `leap4j embed` outputs, line by line (e.g. fp32 against int8 weights).

usage: python3 bench/python/cosine_pairs.py A.jsonl B.jsonl LABEL
Prints the count, the minimum, the 1st percentile and the median cosine, and how many fall below 0.995.
"""
import json
import math
import sys

a = [json.loads(line) for line in open(sys.argv[1])]
b = [json.loads(line) for line in open(sys.argv[2])]
if len(a) != len(b):
    sys.exit(f"{sys.argv[1]} has {len(a)} lines, {sys.argv[2]} has {len(b)}")
cs = []
for x, y in zip(a, b):
    u, v = x["embedding"], y["embedding"]
    dot = sum(p * q for p, q in zip(u, v))
    cs.append(dot / math.sqrt(sum(p * p for p in u) * sum(q * q for q in v)))
cs.sort()
print(f"{sys.argv[3]}: {len(cs)} sentences, min cosine {cs[0]:.5f}, 1st percentile {cs[len(cs) // 100]:.5f}, "
      f"median {cs[len(cs) // 2]:.6f}, below 0.995: {sum(c < 0.995 for c in cs)}")
