"""Writes samples/motcua-export.csv and .xlsx: a small, invented export of a
one-stop (Một cửa điện tử) system, in the layout the `motcua` profile reads.

Names, codes and dossiers are made up for illustration. Run from the repository:
    python samples/make_samples.py
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADER = [
    "STT", "Mã hồ sơ", "Mã thủ tục", "Thủ tục", "Lĩnh vực", "Hình thức nộp",
    "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày trả kết quả", "Trạng thái", "Đơn vị xử lý",
    "Cán bộ", "Thời điểm xử lý", "Hạn xử lý bước", "Ngày hẹn trả mới", "Ghi chú",
]
PROCEDURES = {
    "1.001193": ("Đăng ký khai sinh", "Hộ tịch"),
    "1.009972": ("Cấp giấy phép xây dựng nhà ở riêng lẻ", "Xây dựng"),
    "2.000488": ("Cấp giấy phép kinh doanh bán lẻ sản phẩm rượu", "Lưu thông hàng hóa"),
}
UNITS = {
    "BP1C": "Bộ phận Một cửa",
    "PTP": "Phòng Tư pháp",
    "PQLDT": "Phòng Quản lý đô thị",
    "PKT": "Phòng Kinh tế",
    "LD": "Lãnh đạo UBND",
}


def at(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%d/%m/%Y %H:%M")


# (dossier, procedure, channel, received, appointment, returned, events)
# events: (status/step label, unit, officer, time, step due, new appointment, note)
DOSSIERS = [
    ("H56.22-250106-0001", "1.001193", "Trực tiếp", "06/01/2025 07:45", "06/01/2025 16:30", "06/01/2025 15:10", [
        ("Tiếp nhận hồ sơ", "BP1C", "Nguyễn Thị Lan", "06/01/2025 07:45", "", "", ""),
        ("Chuyển xử lý", "BP1C", "Nguyễn Thị Lan", "06/01/2025 08:05", "06/01/2025 08:30", "", ""),
        ("Thẩm định hồ sơ", "PTP", "Trần Văn Hùng", "06/01/2025 10:20", "06/01/2025 11:30", "", ""),
        ("Phê duyệt", "LD", "Lê Quang Minh", "06/01/2025 14:00", "06/01/2025 15:00", "", ""),
        ("Đã giải quyết", "PTP", "Trần Văn Hùng", "06/01/2025 14:30", "", "", ""),
        ("Đã trả kết quả", "BP1C", "Nguyễn Thị Lan", "06/01/2025 15:10", "", "", ""),
    ]),
    ("H56.22-250106-0002", "1.009972", "Trực tuyến toàn trình", "06/01/2025 09:12", "03/02/2025 17:00", "24/01/2025 10:00", [
        ("Tiếp nhận hồ sơ", "BP1C", "Phạm Thu Hà", "06/01/2025 09:12", "", "", "Nộp qua Cổng dịch vụ công"),
        ("Chuyển xử lý", "BP1C", "Phạm Thu Hà", "06/01/2025 09:40", "06/01/2025 11:30", "", ""),
        ("Thẩm định hồ sơ", "PQLDT", "Đỗ Mạnh Cường", "14/01/2025 16:05", "15/01/2025 17:00", "", "Kiểm tra hiện trạng"),
        ("Trình ký", "PQLDT", "Đỗ Mạnh Cường", "16/01/2025 08:30", "17/01/2025 17:00", "", ""),
        ("Phê duyệt", "LD", "Lê Quang Minh", "22/01/2025 15:45", "23/01/2025 17:00", "", ""),
        ("Đã giải quyết", "PQLDT", "Đỗ Mạnh Cường", "23/01/2025 09:10", "", "", ""),
        ("Đã trả kết quả", "BP1C", "Phạm Thu Hà", "24/01/2025 10:00", "", "", "Trả kết quả điện tử"),
    ]),
    ("H56.22-250107-0003", "1.009972", "Trực tiếp", "07/01/2025 14:20", "05/02/2025 17:00", "", [
        ("Tiếp nhận hồ sơ", "BP1C", "Nguyễn Thị Lan", "07/01/2025 14:20", "", "", ""),
        ("Chuyển xử lý", "BP1C", "Nguyễn Thị Lan", "07/01/2025 15:00", "08/01/2025 09:00", "", ""),
        ("Yêu cầu bổ sung hồ sơ", "PQLDT", "Vũ Thị Mai", "10/01/2025 10:30", "", "", "Thiếu bản vẽ mặt bằng"),
        ("Đã bổ sung hồ sơ", "BP1C", "Nguyễn Thị Lan", "20/01/2025 08:15", "", "", ""),
        ("Thẩm định hồ sơ", "PQLDT", "Vũ Thị Mai", "31/01/2025 11:00", "04/02/2025 17:00", "", ""),
        ("Trình ký", "PQLDT", "Vũ Thị Mai", "03/02/2025 16:40", "05/02/2025 10:00", "", ""),
    ]),
    ("H56.22-250108-0004", "2.000488", "Bưu chính công ích", "08/01/2025 10:00", "22/01/2025 17:00", "07/02/2025 09:30", [
        ("Tiếp nhận hồ sơ", "BP1C", "Phạm Thu Hà", "08/01/2025 10:00", "", "", "Nhận qua bưu điện"),
        ("Chuyển xử lý", "BP1C", "Phạm Thu Hà", "08/01/2025 10:30", "08/01/2025 16:30", "", ""),
        ("Thẩm định hồ sơ", "PKT", "Hoàng Văn Nam", "17/01/2025 15:00", "16/01/2025 17:00", "", ""),
        ("Xin lỗi và hẹn lại ngày trả kết quả", "PKT", "Hoàng Văn Nam", "21/01/2025 09:00", "", "06/02/2025 17:00", "Chờ ý kiến phối hợp"),
        ("Trình ký", "PKT", "Hoàng Văn Nam", "04/02/2025 14:20", "05/02/2025 17:00", "", ""),
        ("Phê duyệt", "LD", "Lê Quang Minh", "05/02/2025 16:10", "06/02/2025 12:00", "", ""),
        ("Đã giải quyết", "PKT", "Hoàng Văn Nam", "06/02/2025 08:00", "", "", ""),
        ("Đã trả kết quả", "BP1C", "Phạm Thu Hà", "07/02/2025 09:30", "", "", "Gửi qua bưu chính công ích"),
    ]),
    ("H56.22-250109-0005", "1.001193", "Trực tuyến một phần", "09/01/2025 16:05", "10/01/2025 16:30", "10/01/2025 09:20", [
        ("Tiếp nhận hồ sơ", "BP1C", "Nguyễn Thị Lan", "09/01/2025 16:05", "", "", "Nộp sau 15 giờ"),
        ("Chuyển xử lý", "BP1C", "Nguyễn Thị Lan", "10/01/2025 07:35", "10/01/2025 08:30", "", ""),
        ("Thẩm định hồ sơ", "PTP", "Trần Văn Hùng", "10/01/2025 08:10", "10/01/2025 11:30", "", ""),
        ("Đã giải quyết", "PTP", "Trần Văn Hùng", "10/01/2025 09:00", "", "", ""),
        ("Đã trả kết quả", "BP1C", "Nguyễn Thị Lan", "10/01/2025 09:20", "", "", ""),
    ]),
    ("H56.22-250113-0006", "2.000488", "Trực tiếp", "13/01/2025 08:30", "27/01/2025 17:00", "", [
        ("Tiếp nhận hồ sơ", "BP1C", "Phạm Thu Hà", "13/01/2025 08:30", "", "", ""),
        ("Chuyển xử lý", "BP1C", "Phạm Thu Hà", "13/01/2025 09:00", "13/01/2025 16:30", "", ""),
        ("Công dân rút hồ sơ", "BP1C", "Phạm Thu Hà", "15/01/2025 10:45", "", "", "Công dân đề nghị rút"),
    ]),
    ("H56.22-250114-0007", "1.009972", "Trực tuyến toàn trình", "14/01/2025 10:00", "12/02/2025 17:00", "", [
        ("Tiếp nhận hồ sơ", "BP1C", "Phạm Thu Hà", "14/01/2025 10:00", "", "", ""),
        ("Chuyển xử lý", "BP1C", "Phạm Thu Hà", "14/01/2025 10:20", "14/01/2025 16:30", "", ""),
        ("Thẩm định hồ sơ", "PQLDT", "Đỗ Mạnh Cường", "24/01/2025 15:30", "28/01/2025 17:00", "", ""),
    ]),
]


def rows() -> list[list]:
    out = []
    number = 0
    for dossier, code, channel, received, appointment, returned, events in DOSSIERS:
        name, field = PROCEDURES[code]
        for label, unit, officer, when, due, new_appointment, note in events:
            number += 1
            out.append([
                number, dossier, code, name, field, channel, received, appointment, returned,
                label, UNITS[unit], officer, when, due, new_appointment, note,
            ])
    return out


def write_csv(path: Path) -> None:
    # UTF-8 with BOM and a comma: what the export module writes for Excel users
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows())


def write_xlsx(path: Path) -> None:
    """Date columns as real Excel date cells (as most exports do), on a sheet named
    like the software's report, plus a summary sheet that is not part of the log."""
    from openpyxl import Workbook

    date_columns = {"Ngày tiếp nhận", "Ngày hẹn trả", "Ngày trả kết quả", "Thời điểm xử lý", "Hạn xử lý bước", "Ngày hẹn trả mới"}
    book = Workbook()
    sheet = book.active
    sheet.title = "Nhật ký xử lý hồ sơ"
    sheet.append(HEADER)
    for row in rows():
        cells = [at(value) if HEADER[i] in date_columns and value else (value or None) for i, value in enumerate(row)]
        sheet.append(cells)
    for column in "GHIMN":
        for cell in sheet[column][1:]:
            cell.number_format = "dd/mm/yyyy hh:mm"
    summary = book.create_sheet("Tổng hợp")
    summary.append(["Chỉ tiêu", "Số lượng"])
    summary.append(["Tổng số hồ sơ", len(DOSSIERS)])
    summary.append(["Tổng số sự kiện", len(rows())])
    book.save(path)


if __name__ == "__main__":
    write_csv(HERE / "motcua-export.csv")
    write_xlsx(HERE / "motcua-export.xlsx")
    print(f"wrote {len(rows())} events of {len(DOSSIERS)} dossiers")
