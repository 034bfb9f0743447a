results = []
for v in [1, 0, 2]:
    try:
        results.append(10 // v)
    except ZeroDivisionError as err:
        results.append(str(err))
