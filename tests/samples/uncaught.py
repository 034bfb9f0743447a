def divide(a, b):
    return a / b


def run(pairs):
    out = []
    for a, b in pairs:
        out.append(divide(a, b))
    return out


run([(4, 2), (1, 0), (3, 3)])
