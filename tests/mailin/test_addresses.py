"""The reply address that names a case is signed: it leads to that case only, survives a mail system
changing its case, and cannot be edited to point at another case."""
from mailin.addresses import read_reply_address, reply_address, verify_reply_address
from tests.mailin.conftest import DOMAIN


def test_a_reply_address_names_its_case_and_verifies():
    address = reply_address("C-000123")

    assert address.startswith("case+C-000123.") and address.endswith(f"@{DOMAIN}")
    assert verify_reply_address(address) == "C-000123"


def test_an_address_edited_to_name_another_case_does_not_verify():
    forged = reply_address("C-000123").replace("C-000123", "C-000124")

    found = read_reply_address(forged)

    assert found is not None and found.reference == "C-000124" and found.valid is False
    assert verify_reply_address(forged) is None


def test_an_address_whose_mail_system_lowercased_it_still_verifies():
    assert verify_reply_address(reply_address("C-000123").lower()).upper() == "C-000123"


def test_an_address_signed_with_another_key_does_not_verify(settings):
    address = reply_address("C-000123")

    settings.SECRET_KEY = "another-key-entirely-for-this-test"

    assert verify_reply_address(address) is None


def test_an_address_signed_before_a_key_rotation_still_verifies(settings):
    address = reply_address("C-000123")

    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "the-new-key-after-rotation"

    assert verify_reply_address(address) == "C-000123"


def test_other_addresses_are_not_reply_addresses(settings):
    local, domain = reply_address("C-000123").split("@")

    assert read_reply_address(f"{local}@elsewhere.example") is None
    assert read_reply_address(f"support@{domain}") is None
    assert read_reply_address(local.replace("case+", "billing+") + f"@{domain}") is None
