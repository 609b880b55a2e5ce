"""PyTorch's side of scripts/TrainThroughput.java: tokens/s of one forward + backward step of a BERT encoder on the
same batches (the first 4 x 32 lines of SENTENCES_TXT, max length 64; tokens counted without padding), with the same
work: hidden states of every layer mean-pooled, a fixed random gradient on each pooled state, all parameter
gradients except the word embeddings (frozen, as in leap4j's trainer); no optimizer step. Median of 3 steps after a
warm-up step, eager mode, CPU.
usage: python3 bench/python/torch_train_throughput.py MODEL_DIR SENTENCES_TXT [THREADS ...]
"""
import statistics
import sys
import time

import torch
from transformers import AutoModel, AutoTokenizer


def main():
    model_dir, sentences = sys.argv[1], sys.argv[2]
    threads = [int(t) for t in sys.argv[3:]] or [1, 2]
    with open(sentences, encoding="utf-8") as f:
        lines = [next(f).rstrip("\n") for _ in range(4 * 32)]
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir, attn_implementation="eager")
    model.train()
    model.embeddings.word_embeddings.weight.requires_grad_(False)
    # leap4j's trainer runs without dropout; so does this
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
    batches = [tok(lines[i:i + 32], padding=True, truncation=True, max_length=64, return_tensors="pt") for i in range(0, 128, 32)]
    L, C = model.config.num_hidden_layers, model.config.hidden_size
    g = torch.Generator().manual_seed(1)
    grads = 1e-3 * torch.randn(L, 32, C, generator=g)
    for t in threads:
        torch.set_num_threads(t)
        rates = []
        for i, b in enumerate(batches):
            start = time.perf_counter()
            out = model(**b, output_hidden_states=True)
            mask = b["attention_mask"].unsqueeze(-1).float()
            loss = 0
            for layer in range(L):
                h = out.hidden_states[layer + 1]
                pooled = (h * mask).sum(1) / mask.sum(1)
                loss = loss + (pooled * grads[layer]).sum()
            model.zero_grad(set_to_none=True)
            loss.backward()
            elapsed = time.perf_counter() - start
            if i > 0:
                rates.append(int(b["attention_mask"].sum()) / elapsed)
        print(f"{model_dir}, {t} threads: {statistics.median(rates):.0f} tokens/s forward+backward (PyTorch {torch.__version__}, median of {len(rates)} steps)")


if __name__ == "__main__":
    main()
