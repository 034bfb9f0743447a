N = 10  # size: benchmarks/run.py replaces this first line
# Bubble sort on 200 items, repeated N times on fresh pseudo-random data.


def bubble_sort(items):
    n = len(items)
    swaps = 0
    for i in range(n):
        for j in range(n - 1 - i):
            if items[j] > items[j + 1]:
                items[j], items[j + 1] = items[j + 1], items[j]
                swaps += 1
    return swaps


seed = 42
total_swaps = 0
for rep in range(N):
    data = []
    for i in range(200):
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        data.append(seed % 1000)
    total_swaps += bubble_sort(data)
result = (data[:10], total_swaps)
