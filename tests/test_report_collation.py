"""Vietnamese alphabetical order for the lists an officer reads."""

from qms.report.collation import vietnamese_key


def test_vietnamese_alphabet_and_tones():
    names = ["Xây dựng", "Đất đai", "Hộ tịch", "Chứng thực", "Doanh nghiệp", "Ăn uống", "An ninh", "Âm nhạc",
             "Ưu đãi", "Uỷ quyền", "Ô tô", "Ơn", "Bá", "Bạ", "Bà", "Ba", "Bả", "Bã"]
    assert sorted(names, key=vietnamese_key) == [
        "An ninh", "Ăn uống", "Âm nhạc", "Ba", "Bà", "Bả", "Bã", "Bá", "Bạ", "Chứng thực", "Doanh nghiệp",
        "Đất đai", "Hộ tịch", "Ô tô", "Ơn", "Uỷ quyền", "Ưu đãi", "Xây dựng"]
    # Decomposed input (NFD, as some exports write it) sorts the same as composed.
    import unicodedata
    assert vietnamese_key(unicodedata.normalize("NFD", "Đất đai"))[:2] == vietnamese_key("Đất đai")[:2]
