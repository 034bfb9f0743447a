N = 20000  # size: benchmarks/run.py replaces this first line
# Nested numeric loops in a function: sieve of Eratosthenes, marking a list of flags in place.


def primes_below(limit):
    flags = [True] * limit
    flags[0] = flags[1] = False
    p = 2
    while p * p < limit:
        if flags[p]:
            m = p * p
            while m < limit:
                flags[m] = False
                m += p
        p += 1
    return [i for i in range(limit) if flags[i]]


primes = primes_below(N)
result = (len(primes), primes[-5:])
