"""Vietnamese names for synthetic officers and units.

Written for qms (not taken from any register): common family names, middle names
and given names, combined per unit into a small roster that stays the same for a
given seed. Unit codes are those the procedures use; the names below are how such
units are usually called, for the sidecar and for people reading a generated log.
"""

from __future__ import annotations

import numpy as np

FAMILY_NAMES = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
    "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Lương", "Mai",
)
# Family names are not equally common: Nguyễn alone is carried by a large share.
FAMILY_WEIGHTS = (
    30, 11, 9, 7, 5, 4, 4, 4, 4, 3,
    3, 3, 2, 2, 2, 1.5, 1.5, 1.5, 1, 1,
)
MIDDLE_NAMES_MALE = ("Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Thanh", "Xuân", "Anh", "Tuấn", "Đình", "Quốc")
MIDDLE_NAMES_FEMALE = ("Thị", "Thu", "Ngọc", "Thanh", "Minh", "Phương", "Hồng", "Kim", "Bích", "Thùy", "Mỹ", "Diệu")
GIVEN_NAMES_MALE = (
    "An", "Bình", "Cường", "Dũng", "Duy", "Hải", "Hiếu", "Hòa", "Hùng", "Huy", "Khánh", "Khoa",
    "Long", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Sơn", "Tâm", "Thắng", "Thành", "Toàn",
    "Trung", "Tú", "Tuấn", "Việt", "Vinh",
)
GIVEN_NAMES_FEMALE = (
    "Anh", "Châu", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hương", "Lan",
    "Linh", "Loan", "Mai", "Ngân", "Nga", "Nhung", "Oanh", "Phương", "Quyên", "Tâm", "Thảo",
    "Trang", "Tuyết", "Uyên", "Vân", "Yến",
)

# Vietnamese names of the unit codes the sample procedures use, and of others a
# library commonly has. A code not listed is shown as itself.
UNIT_NAMES = {
    "MOTCUA": "Bộ phận Tiếp nhận và Trả kết quả (Một cửa)",
    "UBND_XA": "Ủy ban nhân dân xã",
    "UBND_HUYEN": "Ủy ban nhân dân huyện",
    "LANH_DAO": "Lãnh đạo cơ quan",
    "PHONG_DKKD": "Phòng Đăng ký kinh doanh",
    "SO_TU_PHAP": "Sở Tư pháp",
    "SO_XAY_DUNG": "Sở Xây dựng",
    "SO_NN_MT": "Sở Nông nghiệp và Môi trường",
    "VPDK_DAT_DAI": "Văn phòng Đăng ký đất đai",
    "PHONG_TU_PHAP": "Phòng Tư pháp",
    "PHONG_TNMT": "Phòng Tài nguyên và Môi trường",
    "VAN_THU": "Văn thư cơ quan",
}


def unit_name(code: str) -> str:
    return UNIT_NAMES.get(code, code)


def _person(rng: np.random.Generator) -> str:
    family = FAMILY_NAMES[rng.choice(len(FAMILY_NAMES), p=_family_p())]
    if rng.random() < 0.5:
        middle = MIDDLE_NAMES_FEMALE[rng.integers(len(MIDDLE_NAMES_FEMALE))]
        given = GIVEN_NAMES_FEMALE[rng.integers(len(GIVEN_NAMES_FEMALE))]
    else:
        middle = MIDDLE_NAMES_MALE[rng.integers(len(MIDDLE_NAMES_MALE))]
        given = GIVEN_NAMES_MALE[rng.integers(len(GIVEN_NAMES_MALE))]
    return f"{family} {middle} {given}"


def _family_p() -> np.ndarray:
    weights = np.asarray(FAMILY_WEIGHTS, dtype=float)
    return weights / weights.sum()


def officer_rosters(unit_codes: list[str], rng: np.random.Generator) -> dict[str, list[str]]:
    """A roster of 3–8 distinct officers per unit code; names are unique across units
    so that an officer's name identifies one person in the log."""
    taken: set[str] = set()
    rosters: dict[str, list[str]] = {}
    for code in sorted(unit_codes):
        size = int(rng.integers(3, 9))
        names: list[str] = []
        while len(names) < size:
            name = _person(rng)
            if name not in taken:
                taken.add(name)
                names.append(name)
        rosters[code] = names
    return rosters
