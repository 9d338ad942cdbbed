// Streamlit, its date picker (react-aria) and Plotly's mode bar carry English words that no
// option translates. Loaded first in <head> by components/vietnamese_chrome.py.
(function () {
  "use strict";
  // react-aria (the date picker) and Streamlit read the browser's language when they start:
  // Vietnamese month and weekday names, and the week starting on Monday.
  for (const name of ["language", "userLanguage"]) {
    Object.defineProperty(Navigator.prototype, name, { get: () => "vi-VN", configurable: true });
  }
  Object.defineProperty(Navigator.prototype, "languages", { get: () => ["vi-VN", "vi"], configurable: true });

  const WORDS = {
    "Skip to main content": "Chuyển đến nội dung chính",
    "Sidebar": "Thanh bên",
    "Collapse sidebar": "Thu gọn thanh bên",
    "Expand sidebar": "Mở thanh bên",
    "Open sidebar": "Mở thanh bên",
    "Close sidebar": "Đóng thanh bên",
    "Main menu": "Trình đơn",
    "Main": "Nội dung chính",
    "Choose date": "Chọn ngày",
    "Choose date range": "Chọn khoảng ngày",
    "Calendar": "Lịch",
    "Previous": "Trước",
    "Next": "Sau",
    "Previous month": "Tháng trước",
    "Next month": "Tháng sau",
    "Today": "Hôm nay",
    "Use arrow keys to navigate dates. Enter to select. Escape to close.":
      "Dùng phím mũi tên để chọn ngày, Enter để chọn, Esc để đóng.",
    "Download plot as a PNG": "Tải biểu đồ (PNG)",
    "Download plot as a png": "Tải biểu đồ (PNG)",
    "Download plot": "Tải biểu đồ",
    "Fullscreen": "Toàn màn hình",
    "Close fullscreen": "Thoát toàn màn hình",
    "Exit fullscreen": "Thoát toàn màn hình",
    "Zoom": "Phóng to vùng",
    "Pan": "Kéo",
    "Box Select": "Chọn vùng",
    "Lasso Select": "Chọn tự do",
    "Zoom in": "Phóng to",
    "Zoom out": "Thu nhỏ",
    "Autoscale": "Tự co giãn",
    "Reset axes": "Đặt lại trục",
    "Reset view": "Đặt lại khung nhìn",
    "Reset": "Đặt lại",
    "Toggle Spike Lines": "Bật/tắt đường gióng",
    "Show closest data on hover": "Hiện số liệu gần nhất",
    "Compare data on hover": "So sánh số liệu",
    "Produced with Plotly.js": "Vẽ bằng Plotly.js",
    "Show/hide columns": "Hiện/ẩn cột",
    "Download as CSV": "Tải CSV",
    "Search": "Tìm kiếm",
    "Clear search": "Xóa tìm kiếm",
    "Drag and drop file here": "Kéo thả tệp vào đây",
    "Drag and drop files here": "Kéo thả tệp vào đây",
    "Browse files": "Chọn tệp",
    "Upload": "Tải lên",
    "Delete": "Xóa",
    "Remove": "Bỏ",
    "Remove file": "Bỏ tệp",
    "Clear": "Xóa",
    "Clear all": "Xóa hết",
    "Clear value": "Xóa lựa chọn",
    "Choose an option": "Chọn một mục",
    "Choose options": "Chọn các mục",
    "No results": "Không có kết quả",
    "No options to select": "Không còn mục để chọn",
    "Open": "Mở",
    "Close": "Đóng",
    "Copy": "Chép",
    "Copy to clipboard": "Chép vào bộ nhớ tạm",
    "Copied": "Đã chép",
    "Running...": "Đang chạy…",
    "Running": "Đang chạy",
    "Stop": "Dừng",
    "Rerun": "Chạy lại",
    "Print": "In",
    "Settings": "Cài đặt",
    "About": "Giới thiệu",
    "Record a screencast": "Quay màn hình",
    "Record screen": "Quay màn hình",
    "Stop recording": "Dừng quay",
    "Made with Streamlit v": "Làm bằng Streamlit v",
    "Dismiss": "Đóng",
    "file upload": "tải tệp lên",
    "Scroll tabs left": "Cuộn thẻ sang trái",
    "Scroll tabs right": "Cuộn thẻ sang phải",
    "Clear cache": "Xóa bộ nhớ đệm",
    "Connecting": "Đang kết nối",
    "Connection error": "Lỗi kết nối",
    "Page not found": "Không tìm thấy trang",
    "Show password": "Hiện mật khẩu",
    "Hide password": "Ẩn mật khẩu",
    "Press Enter to apply": "Nhấn Enter để áp dụng",
    "Press Enter to submit form": "Nhấn Enter để gửi",
    "Show more": "Xem thêm",
    "Show less": "Thu gọn",
    "Select all": "Chọn tất cả",
    "Sort ascending": "Sắp xếp tăng dần",
    "Sort descending": "Sắp xếp giảm dần",
    "Hide column": "Ẩn cột",
    "Autosize": "Tự co giãn",
    "Pin column": "Ghim cột",
    "Unpin column": "Bỏ ghim cột",
    "Format": "Định dạng",
    "Automatic": "Tự động",
    "App pages": "Các trang",
    "The page that you have requested does not seem to exist.": "Không có trang này.",
    "Link to heading": "Liên kết đến mục này",
    "Empty": "Trống",
    "Selected values": "Các mục đã chọn",
    // a table column's menu (⋮): its statistics and number formats (Streamlit's DataFrame)
    "Statistics": "Thống kê",
    "Values": "Số giá trị",
    "Distinct": "Số giá trị khác nhau",
    "Average": "Trung bình",
    "Standard deviation": "Độ lệch chuẩn",
    "Minimum": "Nhỏ nhất",
    "25th percentile": "Phân vị 25",
    "Median": "Trung vị",
    "75th percentile": "Phân vị 75",
    "Maximum": "Lớn nhất",
    "Sum": "Tổng",
    "Minimum length": "Độ dài ngắn nhất",
    "Maximum length": "Độ dài dài nhất",
    "Average length": "Độ dài trung bình",
    "Range": "Khoảng",
    "Count": "Số lượng",
    "Localized": "Theo tiếng Việt",
    "Plain": "Số thường",
    "Compact": "Rút gọn",
    "Dollar": "Đô la",
    "Yen": "Yên",
    "Percent": "Phần trăm",
    "Scientific": "Dạng khoa học",
    "Accounting": "Kế toán",
    "Duration": "Khoảng thời gian",
    "Calendar": "Lịch",
    "Distance": "Cách đây bao lâu",
    "Show/hide columns": "Hiện/ẩn cột",
    "Download as CSV": "Tải CSV",
    "Search": "Tìm kiếm",
    "Clear selection": "Bỏ chọn",
    // read aloud on the date picker's first and last days, and by the uploader once it holds a file
    "First available date": "Ngày sớm nhất được chọn",
    "Last available date": "Ngày muộn nhất được chọn",
    "Click to start selecting date range": "Bấm để chọn ngày đầu của khoảng",
    "Click to finish selecting date range": "Bấm để chọn ngày cuối của khoảng",
    "Add files": "Thêm tệp",
    "Drag and drop a file here": "Kéo thả tệp vào đây",
    "Drag and drop directories here": "Kéo thả thư mục vào đây",
    "Upload directories": "Tải thư mục lên",
  };
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December"];
  const FIELDS = { day: "ngày", month: "tháng", year: "năm", hour: "giờ", minute: "phút" };
  // "December 02, 2026" (react-aria's English fallback) as 02/12/2026
  function vnDate(text) {
    return text.replace(/\b([A-Z][a-z]+) (\d{1,2}), (\d{4})\b/g, (all, month, day, year) => {
      const index = MONTHS.indexOf(month);
      return index < 0 ? all : `${day.padStart(2, "0")}/${String(index + 1).padStart(2, "0")}/${year}`;
    });
  }
  // texts that carry a value: [pattern, replacement]
  const PATTERNS = [
    [/^Help for (.*)$/s, "Trợ giúp: $1"],
    [/^Selected Date: (.*)$/s, (all, day) => "Ngày đã chọn: " + vnDate(day)],
    [/^Selected Range: (.*)$/s, (all, range) => "Khoảng đã chọn: " + vnDate(range).replace(" to ", " đến ")],
    [/^(day|month|year|hour|minute), (.*)$/s, (all, field, label) => `${FIELDS[field]}, ${label}`],
    [/^(?:Limit )?(\d+(?:\.\d+)?)\s?([KMG]?B) per file(.*)$/s, "Tối đa $1 $2 mỗi tệp$3"],
    [/^(\d+)\.(\d)\s?([KMG]?B)$/, "$1,$2 $3"],
    [/^You have requested page \/?(.*?), but no corresponding file was found in the app's pages\/ directory\. Running the app's main page\.$/s,
      "Không có trang «$1»; đang mở trang chính."],
    [/^The page that you have requested does not seem to exist\. Running the app's main page\.$/s,
      "Không có trang này; đang mở trang chính."],
    [/^(.*)\. Running the app's main page\.$/s, "$1. Đang mở trang chính."],
    [/^Remove (.+)$/s, "Bỏ $1"],
    [/^Choose date, (.*)$/s, "Chọn ngày, $1"],
    [/^Choose date range, (.*)$/s, "Chọn khoảng ngày, $1"],
    [/^Selected$/, "Đã chọn"],
    [/^(.*), selected$/s, "$1, đã chọn"],
    [/^Today, (.*) selected$/s, "Hôm nay, $1, đã chọn"],
    [/^Today, (.*)$/s, "Hôm nay, $1"],
    // a date picker's day (it ends with its year): never a person's own text ending in " selected"
    [/^(.*\d{4}) selected$/s, "$1, đã chọn"],
  ];
  const ATTRIBUTES = ["aria-label", "title", "placeholder", "data-title", "alt", "aria-description"];

  function translate(text) {
    const trimmed = text.trim();
    if (!trimmed || !/[A-Za-z]/.test(trimmed)) return null;
    if (Object.prototype.hasOwnProperty.call(WORDS, trimmed)) return text.replace(trimmed, WORDS[trimmed]);
    for (const [pattern, replacement] of PATTERNS) {
      if (pattern.test(trimmed)) return text.replace(trimmed, trimmed.replace(pattern, replacement));
    }
    return null;
  }

  // A table column's statistics print English numbers ("4,402", "46.34"): turned around there
  // only ("1.234" on a chart is ours, Vietnamese already).
  const turned = new WeakMap();
  function vnNumber(text) {
    const trimmed = text.trim();
    if (!/^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$/.test(trimmed) || !/[.,]/.test(trimmed)) return null;
    return text.replace(trimmed, trimmed.replace(/[.,]/g, (c) => (c === "," ? "." : ",")));
  }

  function translateNode(node) {
    if (node.nodeType === Node.TEXT_NODE) {
      const parent = node.parentElement;
      if (!parent || parent.closest("script,style,code,pre,[data-testid=stIconMaterial]")) return;
      if (parent.closest('[data-testid="stDataFrameStatisticsMetrics"]')) {
        // "4.402" reads as a number both ways: a node is turned once per value Streamlit writes
        if (turned.get(node) === node.nodeValue) return;
        const number = vnNumber(node.nodeValue);
        if (number !== null) { turned.set(node, number); node.nodeValue = number; return; }
      }
      const done = translate(node.nodeValue);
      if (done !== null && done !== node.nodeValue) node.nodeValue = done;
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    for (const name of ATTRIBUTES) {
      const value = node.getAttribute(name);
      if (value) {
        const done = translate(value);
        if (done !== null && done !== value) node.setAttribute(name, done);
      }
    }
  }

  function translateTree(root) {
    translateNode(root);
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) translateNode(walker.currentNode);
  }

  const observer = new MutationObserver((mutations) => {
    for (const mutation of mutations) {
      if (mutation.type === "childList") mutation.addedNodes.forEach(translateTree);
      else translateNode(mutation.target);
    }
  });
  function start() {
    translateTree(document.body);
    observer.observe(document.body, { subtree: true, childList: true, characterData: true,
                                      attributes: true, attributeFilter: ATTRIBUTES });
  }
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
