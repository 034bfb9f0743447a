N = 8000  # size: benchmarks/run.py replaces this first line
# String building: += in a loop, f-strings, join, and a growing line buffer.
out = ""
parts = []
line = ""
for i in range(N):
    word = f"w{i % 37}"
    if len(line) + len(word) > 60:
        parts.append(line)
        line = ""
    line += word + " "
    if i % 500 == 0:
        out += f"[{i}]"
parts.append(line)
text = "\n".join(parts)
result = (len(text), len(parts), out[:40])
