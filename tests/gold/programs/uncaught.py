def check(age):
    if age < 0:
        raise ValueError(f"bad age {age}")
    return age
ok = check(3)
check(-1)
