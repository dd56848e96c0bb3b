"""Reading pictures and documents for claims: load and sniff files, find QR codes, flatten and
orient photographed pages, and recognise their text.

Modules: `imaging` (load, sniff, limits), `qr` (coupon and e-invoice QR decoding), `preprocess`
(page, perspective, orientation, light), `ocr` (Tesseract words), `regions` (targeted re-reads),
`analysis` (what a received file is). `workers/` only runs the jobs that call these.
"""
