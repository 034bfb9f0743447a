total = 0
items = []
for i in range(5):
    if i % 2:
        continue
    items.append(i * i)
    total += i
while total > 0:
    total -= 3
