N = 300  # size: benchmarks/run.py replaces this first line
# Comprehensions: list, dict and set comprehensions built repeatedly in a loop.
rows = []
for i in range(N):
    squares = [x * x for x in range(40)]
    evens = {x: x // 2 for x in squares if x % 2 == 0}
    digits = {x % 10 for x in squares}
    rows.append(len(evens) + len(digits) + squares[i % 40])
result = (sum(rows), len(rows))
