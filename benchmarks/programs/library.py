N = 1500  # size: benchmarks/run.py replaces this first line
# Library-heavy: most of the work happens in the standard library (re, collections, json,
# heapq, statistics), called from a short loop in the cell.
import collections
import heapq
import json
import re
import statistics

pattern = re.compile(r"[a-z]+")
counter = collections.Counter()
sizes = []
seed = 5
for i in range(N):
    seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
    doc = json.dumps({"id": i, "text": "alpha beta gamma delta"[seed % 7:], "n": seed % 100})
    record = json.loads(doc)
    counter.update(pattern.findall(record["text"]))
    sizes.append(len(doc))
top = heapq.nlargest(3, sizes)
mean = round(statistics.mean(sizes), 3)
result = (counter.most_common(3), top, mean)
