N = 15000  # size: benchmarks/run.py replaces this first line
# Closures: counters and accumulators made by factory functions, with nonlocal state.


def make_counter(step):
    count = 0

    def tick():
        nonlocal count
        count += step
        return count

    return tick


def make_scaler(factor):
    def scale(x):
        return x * factor

    return scale


up = make_counter(1)
by3 = make_counter(3)
double = make_scaler(2)
acc = 0
for i in range(N):
    acc += double(up())
    if i % 5 == 0:
        by3()
result = (acc, up(), by3())
