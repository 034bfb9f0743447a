N = 20000  # size: benchmarks/run.py replaces this first line
# Containers replaced in a loop: a new list stored into a dict slot and an attribute each time.


class Holder:
    pass


d = {}
h = Holder()
total = 0
for i in range(N):
    d[i % 100] = [i]
    h.items = [i, i + 1]
    total += len(d[i % 100]) + len(h.items)
result = (len(d), total, d[0], h.items)
