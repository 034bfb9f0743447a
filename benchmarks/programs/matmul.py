N = 30  # size: benchmarks/run.py replaces this first line
# Nested numeric loops at cell level: multiply two N x N matrices held in lists of lists.
a = [[(i * j) % 7 + 1 for j in range(N)] for i in range(N)]
b = [[(3 * i + j * j) % 11 - 5 for j in range(N)] for i in range(N)]
c = [[0] * N for _ in range(N)]
for i in range(N):
    row = a[i]
    out = c[i]
    for j in range(N):
        s = 0
        for k in range(N):
            s += row[k] * b[k][j]
        out[j] = s
trace_sum = sum(c[i][i] for i in range(N))
result = (trace_sum, sum(map(sum, c)))
