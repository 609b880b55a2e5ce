"""The sentence-transformers side of bench/hf-roundtrip.sh: proves that a model folder means the same thing to
leap4j and to sentence-transformers, in both directions.

  save SRC DST          load SRC in sentence-transformers and write it to DST with model.save (safetensors), as a
                        Python user would publish a model; prints the module types and pooling config it wrote
  compare ...           encode the parity texts with sentence-transformers from --model and compare them, text by
                        text, with the `leap4j embed --theta 2` output in --leap4j; appends one result row to
                        --results and exits 1 when any check fails
  table RESULTS         print the result rows as a markdown table

Both sides must embed the same strings, so no prompt is passed: encode() then applies the folder's
default_prompt_name when config_sentence_transformers.json sets one, which is exactly what `leap4j embed` does.
Nothing is downloaded: the Hugging Face offline switches are set before any Hugging Face import.
"""
import argparse
import json
import os
import re
import sys

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Load reports (leap4j folders carry no BERT pooler, which sentence embeddings never use) and progress bars
# would bury the figures.
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

MIN_COSINE = 0.9999
# A unit-normalised float32 vector's norm is 1 to within a few ulps; 1e-4 leaves room and still tells 1 from not-1.
UNIT_TOL = 1e-4


def read_texts(path):
    # leap4j's line rule (EmbedCommand.readLines): strict UTF-8, terminators \n, \r, \r\n, no trailing empty line.
    # str.splitlines would also split on \x0b, \x85, \u2028 ..., which leap4j keeps inside a line.
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", errors="strict")
    lines = re.split(r"\r\n|\r|\n", text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def load_st(model_dir, threads):
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(threads)
    return SentenceTransformer(model_dir, device="cpu")


def module_types(model_dir):
    with open(os.path.join(model_dir, "modules.json"), encoding="utf-8") as f:
        return [m["type"] for m in json.load(f)]


def default_prompt_name(model_dir):
    p = os.path.join(model_dir, "config_sentence_transformers.json")
    if not os.path.isfile(p):
        return None
    with open(p, encoding="utf-8") as f:
        return json.load(f).get("default_prompt_name")


def cmd_save(args):
    st = load_st(args.src, args.threads)
    # The model card (README.md) describes the model for the Hub and plays no part in loading it; skipping it
    # keeps the save from looking anything up.
    st.save(args.dst, create_model_card=False)
    print("saved %s -> %s" % (args.src, args.dst))
    print("  modules.json types: %s" % ", ".join(module_types(args.dst)))
    with open(os.path.join(args.dst, "1_Pooling", "config.json"), encoding="utf-8") as f:
        print("  1_Pooling/config.json: %s" % json.dumps(json.load(f), sort_keys=True))
    print("  files: %s" % ", ".join(sorted(os.listdir(args.dst))))


def cmd_compare(args):
    import numpy as np

    texts = read_texts(args.texts)
    rows = []
    with open(args.leap4j, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
    rows.sort(key=lambda r: r["index"])
    failures = []

    def check(ok, what):
        if not ok:
            failures.append(what)
        return ok

    check([r["index"] for r in rows] == list(range(len(texts))),
          "leap4j wrote %d lines for %d texts" % (len(rows), len(texts)))
    n = min(len(rows), len(texts))

    with open(os.path.join(args.model, "config.json"), encoding="utf-8") as f:
        depth = json.load(f)["num_hidden_layers"]
    exits = sorted({r["exit_layer"] for r in rows})
    check(exits == [depth], "leap4j exit layers %s, expected full depth %d" % (exits, depth))

    st = load_st(args.model, args.threads)
    prompt_file = default_prompt_name(args.model)
    check(st.default_prompt_name == prompt_file,
          "sentence-transformers' default prompt %r differs from the folder's %r" % (st.default_prompt_name, prompt_file))
    # No prompt_name: encode() falls back to the default prompt, the same rule as `leap4j embed` without --prompt.
    py = st.encode(texts, batch_size=16, convert_to_numpy=True, show_progress_bar=False).astype(np.float64)
    j = np.array([r["embedding"] for r in rows[:n]], dtype=np.float64)

    dim_fn = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
    st_dim = dim_fn()
    check(j.shape[1] == py.shape[1] == st_dim,
          "dimension: leap4j %d, sentence-transformers %d (declared %s)" % (j.shape[1], py.shape[1], st_dim))

    normalize = any(t.endswith("Normalize") for t in module_types(args.model))
    jn, pn = np.linalg.norm(j, axis=1), np.linalg.norm(py[:n], axis=1)
    j_unit, p_unit = bool(np.all(np.abs(jn - 1) < UNIT_TOL)), bool(np.all(np.abs(pn - 1) < UNIT_TOL))
    check(j_unit == p_unit == normalize,
          "normalisation: Normalize module %s, leap4j unit %s, sentence-transformers unit %s" % (normalize, j_unit, p_unit))

    # Token counts after truncation, from sentence-transformers' own tokenizer: equal counts mean both sides cut
    # long inputs at the same length and add the same special tokens.
    tok = st[0].tokenizer
    max_len = st.max_seq_length
    py_tokens = [len(tok(t, truncation=True, max_length=max_len)["input_ids"]) for t in texts[:n]]
    j_tokens = [r["tokens"] for r in rows[:n]]
    bad_tokens = [i for i in range(n) if py_tokens[i] != j_tokens[i]]
    check(not bad_tokens, "token counts differ at %s (leap4j %s, sentence-transformers %s)"
          % (bad_tokens[:5], [j_tokens[i] for i in bad_tokens[:5]], [py_tokens[i] for i in bad_tokens[:5]]))
    truncated = [i for i in range(n) if rows[i]["truncated"]]
    check(all(py_tokens[i] == max_len for i in truncated), "a text leap4j truncated is not at max length %d in Python" % max_len)

    cos = np.sum(j * py[:n], axis=1) / (jn * pn)
    min_cos = float(cos.min()) if n else float("nan")
    max_diff = float(np.abs(j - py[:n]).max()) if n else float("nan")
    low = [i for i in range(n) if not cos[i] >= MIN_COSINE]
    check(not low, "cosine below %s at texts %s (%s)" % (MIN_COSINE, low[:5], ["%.6f" % cos[i] for i in low[:5]]))

    verdict = "PASS" if not failures else "FAIL"
    print("  %s %s: %d texts, dim %d, %s, depth %d, prompt %s, tokens %d-%d (%d truncated at %d), min cos %.8f, max |diff| %.2e: %s"
          % (args.name, args.direction, n, st_dim, "unit vectors (Normalize)" if normalize else "not normalised",
             depth, repr(prompt_file) if prompt_file else "none (no default_prompt_name)",
             min(j_tokens), max(j_tokens), len(truncated), max_len, min_cos, max_diff, verdict))
    for f in failures:
        print("    FAIL: %s" % f)
    with open(args.results, "a", encoding="utf-8") as f:
        f.write("\t".join([args.name, args.direction, str(n), "%.8f" % min_cos, "%.1e" % max_diff, verdict]) + "\n")
    return 0 if not failures else 1


def cmd_table(args):
    import sentence_transformers
    import torch
    import transformers

    print("sentence-transformers %s, transformers %s, torch %s"
          % (sentence_transformers.__version__, transformers.__version__, torch.__version__))
    head = ["model", "direction", "texts", "min cosine", "max |diff|", "verdict"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    with open(args.results, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                print("| " + " | ".join(line.rstrip("\n").split("\t")) + " |")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("save")
    s.add_argument("src")
    s.add_argument("dst")
    s.add_argument("--threads", type=int, default=2)
    c = sub.add_parser("compare")
    c.add_argument("--model", required=True, help="the folder both sides load")
    c.add_argument("--texts", required=True)
    c.add_argument("--leap4j", required=True, help="`leap4j embed` JSON lines for --texts")
    c.add_argument("--name", required=True)
    c.add_argument("--direction", required=True)
    c.add_argument("--results", required=True, help="TSV file the result row is appended to")
    c.add_argument("--threads", type=int, default=2)
    t = sub.add_parser("table")
    t.add_argument("results")
    args = p.parse_args()
    return {"save": cmd_save, "compare": cmd_compare, "table": cmd_table}[args.cmd](args) or 0


if __name__ == "__main__":
    sys.exit(main())
