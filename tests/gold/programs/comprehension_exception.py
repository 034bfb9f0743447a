def f(x):
    return 1 / x
vals = [f(v) for v in [1, 0]]
