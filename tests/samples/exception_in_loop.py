def parse(text):
    return int(text)


good = []
bad = []
for token in ["1", "x", "3", ""]:
    try:
        good.append(parse(token))
    except ValueError as exc:
        bad.append(str(exc))
    finally:
        last = token
