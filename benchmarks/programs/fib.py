N = 22  # size: benchmarks/run.py replaces this first line
# Recursion: naive Fibonacci, one call per node of the call tree.


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


result = fib(N)
