def countdown(n):
    while n > 0:
        received = yield n
        if received:
            n -= received
        n -= 1
    return "done"


def pipeline(values):
    for v in values:
        yield v * 10


gen = countdown(5)
first = next(gen)
second = gen.send(2)
rest = list(gen)
tens = [x for x in pipeline(range(3))]
