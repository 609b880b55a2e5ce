"""PyTorch's side of dev.leap4j.bench.TrainThroughput: tokens/s of one forward + backward step of a BERT encoder on
the same batches (the first 8 x 32 lines of SENTENCES_TXT taken in turn, max length 64; tokens counted without
padding), with the same work: hidden states of every layer mean-pooled, a fixed random gradient on each pooled
state, all parameter gradients except the word embeddings (frozen, as in leap4j's trainer); no optimizer step.
2 untimed steps, then the median of STEPS timed ones, CPU. ATTENTION is "sdpa" (PyTorch's default for BERT:
scaled_dot_product_attention) or "eager" (the attention written out in matmuls and a softmax).
usage: python3 bench/python/torch_train_throughput.py MODEL_DIR SENTENCES_TXT ATTENTION STEPS THREADS
"""
import statistics
import sys
import time

import torch
from transformers import AutoModel, AutoTokenizer


def main():
    model_dir, sentences, attention, steps, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(threads)
    with open(sentences, encoding="utf-8") as f:
        lines = [next(f).rstrip("\n") for _ in range(8 * 32)]
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir, attn_implementation=attention)
    model.train()
    model.embeddings.word_embeddings.weight.requires_grad_(False)
    # leap4j's trainer runs without dropout; so does this
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
    batches = [tok(lines[i:i + 32], padding=True, truncation=True, max_length=64, return_tensors="pt") for i in range(0, 256, 32)]
    L, C = model.config.num_hidden_layers, model.config.hidden_size
    g = torch.Generator().manual_seed(1)
    grads = 1e-3 * torch.randn(L, 32, C, generator=g)
    rates = []
    for step in range(-2, steps):
        b = batches[step % len(batches)]
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
        if step >= 0:
            rates.append(int(b["attention_mask"].sum()) / elapsed)
    name = model_dir.rstrip("/").split("/")[-1]
    print(f"RESULT model={name} threads={threads} engine=torch-{attention} case=train tokens_per_s={statistics.median(rates):.1f} steps={steps}")


if __name__ == "__main__":
    main()
