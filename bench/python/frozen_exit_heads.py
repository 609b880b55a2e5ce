"""How far a stock encoder's intermediate layers are from its final embedding when the layers stay frozen and each
exit gets its own linear head: the design that would keep full depth exactly stock.

For each layer l, a ridge regression (lambda 1e-2, with bias) maps the masked-mean pooled state after layer l to the
model's final L2-normalised embedding, fitted on Wikipedia sentences (seeded shuffle; never STS-B), then scored on
STS-B dev (Spearman of cosine against gold), beside the raw pooled state of the same layer.

usage: python3 bench/python/frozen_exit_heads.py MODEL_DIR SHARED_DATA [FIT_SENTENCES] [PROMPT]
  MODEL_DIR: a Hugging Face folder (e.g. ~/.cache/leap4j/models/e5-small-v2); PROMPT defaults to "query: "
"""
import random
import sys
import time

import numpy as np
import torch
from scipy.stats import spearmanr
from tokenizers import Tokenizer
from transformers import BertModel

model_dir, data = sys.argv[1], sys.argv[2]
n_fit = int(sys.argv[3]) if len(sys.argv) > 3 else 8000
prompt = sys.argv[4] if len(sys.argv) > 4 else "query: "
torch.set_num_threads(2)
tok = Tokenizer.from_file(model_dir + "/tokenizer.json")
tok.enable_truncation(128)
tok.enable_padding()
model = BertModel.from_pretrained(model_dir, add_pooling_layer=False).eval()


def pooled(texts, bs=64):
    """(L, N, C): the masked mean of every layer's output."""
    out = []
    for i in range(0, len(texts), bs):
        enc = tok.encode_batch(texts[i:i + bs])
        ids = torch.tensor([e.ids for e in enc])
        mask = torch.tensor([e.attention_mask for e in enc])
        with torch.no_grad():
            hs = model(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states
        m = mask.unsqueeze(-1).float()
        out.append(torch.stack([(h * m).sum(1) / m.sum(1) for h in hs[1:]], 0))
    return torch.cat(out, 1).double().numpy()


def unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


random.seed(1)
wiki = [line.strip() for line in open(data + "/sentences/wikipedia_en.txt")]
random.shuffle(wiki)
start = time.time()
fit = pooled([prompt + s for s in wiki[:n_fit]])
rows = [line.rstrip("\n").split("\t") for line in open(data + "/stsb/derived/sts-dev.tsv")][1:]
gold = [float(r[4]) for r in rows]
a = pooled([prompt + r[5] for r in rows])
b = pooled([prompt + r[6] for r in rows])
print(f"model {model_dir}, prompt {prompt!r}, fitted on {n_fit} Wikipedia sentences, STS-B dev {len(rows)} pairs, "
      f"{time.time() - start:.0f} s of forward passes")
target = unit(fit[-1])
print("layer  raw pooled  linear head  head cos to final (dev)")
for l in range(fit.shape[0]):
    x = np.hstack([fit[l], np.ones((n_fit, 1))])
    w = np.linalg.solve(x.T @ x + 1e-2 * np.eye(x.shape[1]), x.T @ target)

    def head(z):
        return unit(np.hstack([z[l], np.ones((z.shape[1], 1))]) @ w)

    raw = spearmanr((unit(a[l]) * unit(b[l])).sum(1), gold).correlation
    fitted = spearmanr((head(a) * head(b)).sum(1), gold).correlation
    agree = (head(a) * unit(a[-1])).sum(1).mean()
    print(f"{l + 1:5d}  {raw:10.4f}  {fitted:11.4f}  {agree:.4f}")
