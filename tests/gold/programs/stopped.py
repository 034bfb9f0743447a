# gold: max_steps=15
i = 0
while i < 1000:
    i += 1
print("done", i)
