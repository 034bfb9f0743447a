def make_counter():
    count = 0

    def step(by=1):
        nonlocal count
        count += by
        return count

    return step


tick = make_counter()
tick()
tick(5)
value = tick()
squares = list(map(lambda v: v * v, [1, 2, 3]))
