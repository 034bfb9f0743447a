def safe(x):
    try:
        return 1 / x
    except ZeroDivisionError:
        return None
vals = [safe(v) for v in [2, 0]]
squares = {k: k * k for k in range(3)}
