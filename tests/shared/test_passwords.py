from hearth_shared.passwords import generate_password, hash_password, verify_password


def test_hash_verifies_only_the_right_password() -> None:
    password = generate_password()
    hashed = hash_password(password)
    assert hashed.startswith("$argon2id$")
    assert password not in hashed
    assert verify_password(hashed, password)
    assert not verify_password(hashed, password + "x")
    assert not verify_password("not-a-hash", password)


def test_generated_passwords_differ_and_are_alphanumeric() -> None:
    first, second = generate_password(), generate_password()
    assert first != second
    assert first.isalnum()
    assert len(first) == 20
