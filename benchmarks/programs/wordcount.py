N = 3000  # size: benchmarks/run.py replaces this first line
# String and dict processing at cell level: build a text, normalise words, count them.
sample = ("The quick brown fox jumps over the lazy dog, and the cat sat on a mat. "
          "A red hat in a blue house; green trees by the river.")
vocab = sample.split()
seed = 7
words = []
for i in range(N):
    seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
    words.append(vocab[seed % len(vocab)])
text = " ".join(words)
counts = {}
for word in text.split():
    w = word.strip(".,;").lower()
    if w:
        counts[w] = counts.get(w, 0) + 1
top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
result = (len(counts), top)
