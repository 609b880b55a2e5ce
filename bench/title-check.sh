#!/usr/bin/env bash
# The defaults' retrieval check: each BEIR SciFact title as the query for its own abstract, as a BEIR folder (corpus:
# the abstracts; queries: the titles; qrels: title -> its abstract), evaluated by `leap4j eval retrieval` with the
# model's query and document prompts. The report's full-depth row is what the defaults give a stock model; the
# theta rows are what early exit gives it ("both early": queries and documents under the same rule).
# usage: bench/title-check.sh OUT [MODEL] [DOCS]   (default e5-small-v2, the first 1000 documents with a title)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: bench/title-check.sh OUT [MODEL] [DOCS]}"
model="${2:-e5-small-v2}"
docs="${3:-1000}"
data="$here/../shared/data/beir/scifact"
beir="$out/beir-titles"
mkdir -p "$beir/qrels"
python3 - "$data/corpus.jsonl" "$beir" "$docs" <<'PY'
import json, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src) as f, open(dst + "/corpus.jsonl", "w") as c, open(dst + "/queries.jsonl", "w") as q, open(dst + "/qrels/test.tsv", "w") as r:
    r.write("query-id\tcorpus-id\tscore\n")
    k = 0
    for line in f:
        d = json.loads(line)
        if not d["title"].strip() or not d["text"].strip():
            continue
        c.write(json.dumps({"_id": d["_id"], "title": "", "text": d["text"]}) + "\n")
        q.write(json.dumps({"_id": "t" + d["_id"], "text": d["title"]}) + "\n")
        r.write("t%s\t%s\t1\n" % (d["_id"], d["_id"]))
        k += 1
        if k == n:
            break
PY
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$here/leap4j" eval retrieval --model "$model" --data "$beir" --thetas 0.90,0.95,0.99 --speed-sample 0 --doc-speed-sample 0 \
  --out "$out/report"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
