N = 12000  # size: benchmarks/run.py replaces this first line
# Generators: a pipeline of generator functions and generator expressions.


def numbers(n):
    i = 0
    while i < n:
        yield i
        i += 1


def squares(xs):
    for x in xs:
        yield x * x


def evens(xs):
    for x in xs:
        if x % 2 == 0:
            yield x


total = 0
for value in evens(squares(numbers(N))):
    total += value
odd = sum(x for x in range(N) if x % 2)
result = (total, odd)
