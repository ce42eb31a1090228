"""Tables as downloadable CSV or XLSX files (``format=csv|xlsx`` on reports)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# the Vietnamese names of the levels (cấp thực hiện) shown in the catalog's and the tracker's downloads
LEVEL_VI = {"central": "Cấp trung ương", "province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}


def table_response(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], filename: str,
                   format: str) -> Response:
    """Return ``rows`` under Vietnamese ``headers`` as a CSV (UTF-8 with BOM, for Excel) or XLSX download.

    ``title`` becomes the sheet name (XLSX); ``filename`` has no extension.
    """
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(headers)
        writer.writerows(rows)
        body, mimetype = ("\ufeff" + buffer.getvalue()).encode("utf-8"), "text/csv"
    else:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = title[:31]
        sheet.append(list(headers))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(list(row))
        buffer_b = io.BytesIO()
        workbook.save(buffer_b)
        body, mimetype = buffer_b.getvalue(), XLSX_MIME
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{format}"'
    return response
