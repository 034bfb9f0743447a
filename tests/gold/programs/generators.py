def countdown(n):
    while n > 0:
        yield n
        n -= 1
total = 0
for x in countdown(3):
    total += x
