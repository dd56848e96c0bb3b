"""Photograph a rendered page the way members do: on a cluttered table, at an angle, in poor light.

Every effect is drawn at random per photo and recorded (the `photo` object of truth.jsonl):
perspective, skew, quarter and half turns, creases, curl, shadows, glare, low light, blur,
noise, JPEG quality 50-75, cluttered backgrounds and partly cut edges.
"""

from __future__ import annotations

import io
import random

import cv2
import numpy as np
from PIL import Image


def _background(rng: random.Random, w: int, h: int) -> np.ndarray:
    base = np.array(rng.choice([(120, 85, 60), (170, 160, 150), (60, 60, 70), (200, 190, 170), (90, 110, 90)]), float)
    ramp = np.linspace(rng.uniform(0.7, 1.0), rng.uniform(0.9, 1.2), w)[None, :, None]
    grain = np.random.default_rng(rng.randrange(2**32)).normal(0, 10, (h // 8 + 1, w // 8 + 1, 1))
    grain = cv2.resize(grain, (w, h), interpolation=cv2.INTER_CUBIC)[:, :, None]
    img = np.clip(base[None, None, :] * ramp + grain, 0, 255).astype(np.uint8)
    for _ in range(rng.randint(2, 7)):  # clutter: pens, phones, papers
        x, y = rng.randrange(w), rng.randrange(h)
        colour = tuple(int(c) for c in np.random.default_rng(rng.randrange(2**32)).integers(0, 255, 3))
        if rng.random() < 0.5:
            cv2.rectangle(img, (x, y), (x + rng.randint(40, 400), y + rng.randint(20, 300)), colour, -1)
        else:
            cv2.line(img, (x, y), (x + rng.randint(-300, 300), y + rng.randint(-300, 300)), colour, rng.randint(6, 20))
    return img


def _crease(rng: random.Random, page: np.ndarray) -> None:
    h, w = page.shape[:2]
    if rng.random() < 0.5:
        x = rng.randint(w // 4, 3 * w // 4)
        cv2.line(page, (x, 0), (x + rng.randint(-30, 30), h), (190, 190, 190), 2)
    else:
        y = rng.randint(h // 4, 3 * h // 4)
        cv2.line(page, (0, y), (w, y + rng.randint(-30, 30)), (190, 190, 190), 2)


def _curl(rng: random.Random, page: np.ndarray) -> np.ndarray:
    h, w = page.shape[:2]
    amp = rng.uniform(3, 12)
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    ys = ys + amp * np.sin(xs / w * np.pi).astype(np.float32)
    return cv2.remap(page, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def photograph(page_img: Image.Image, rng: random.Random) -> tuple[bytes, dict]:
    """A JPEG 'phone photo' of the page, and what was done to it."""
    page = np.asarray(page_img.convert("RGB")).copy()
    info: dict = {"crease": False, "curl": False, "shadow": False, "glare": False, "low_light": False}
    if rng.random() < 0.35:
        _crease(rng, page)
        info["crease"] = True
    if rng.random() < 0.3:
        page = _curl(rng, page)
        info["curl"] = True
    ph, pw = page.shape[:2]
    long_side = rng.randint(1600, 2600)
    fill = rng.uniform(0.62, 0.93)
    scale = fill * long_side / max(ph, pw)
    fw, fh = (long_side, int(long_side * 0.75)) if pw > ph else (int(long_side * 0.75), long_side)
    if pw * scale > fw * 0.97 or ph * scale > fh * 0.97:
        scale = min(fw * 0.95 / pw, fh * 0.95 / ph)
    cw, chh = pw * scale, ph * scale
    cx, cy = fw / 2 + rng.uniform(-0.05, 0.05) * fw, fh / 2 + rng.uniform(-0.05, 0.05) * fh
    angle = np.deg2rad(rng.uniform(-8, 8))
    jitter = 0.04 * min(cw, chh)
    corners = []
    for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        x, y = dx * cw / 2, dy * chh / 2
        rx = x * np.cos(angle) - y * np.sin(angle) + cx + rng.uniform(-jitter, jitter)
        ry = x * np.sin(angle) + y * np.cos(angle) + cy + rng.uniform(-jitter, jitter)
        corners.append((rx, ry))
    cut = rng.random() < 0.12
    if cut:  # push one side of the sheet slightly out of the frame (margins only)
        k = rng.randrange(4)
        shift = [(-1, 0), (0, -1), (1, 0), (0, 1)][k]
        corners = [(x + shift[0] * 0.06 * cw, y + shift[1] * 0.06 * chh) for x, y in corners]
    src = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    dst = np.float32(corners)
    matrix = cv2.getPerspectiveTransform(src, dst)
    frame = _background(rng, fw, fh)
    warped = cv2.warpPerspective(page, matrix, (fw, fh), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), matrix, (fw, fh))
    frame = np.where(mask[:, :, None] > 127, warped, frame).astype(np.float32)
    # light effects are smooth: computed on a coarse grid and enlarged (cheap on 12 MP frames)
    gh, gw = fh // 8 + 1, fw // 8 + 1
    yy, xx = np.mgrid[0:gh, 0:gw].astype(np.float32) * 8
    light = np.ones((gh, gw), np.float32)
    if rng.random() < 0.5:  # a soft shadow from the phone or a hand
        sx, sy = rng.uniform(0, fw), rng.uniform(0, fh)
        r = rng.uniform(0.3, 0.7) * max(fw, fh)
        light *= 1 - rng.uniform(0.25, 0.5) * np.exp(-(((xx - sx) ** 2 + (yy - sy) ** 2) / (2 * r * r)))
        info["shadow"] = True
    if rng.random() < 0.2:
        light *= rng.uniform(0.45, 0.7)
        info["low_light"] = True
    glare = np.zeros((gh, gw), np.float32)
    if rng.random() < 0.25:  # glare: a bright, washed-out patch
        gx, gy = rng.uniform(0.2, 0.8) * fw, rng.uniform(0.2, 0.8) * fh
        r = rng.uniform(0.05, 0.12) * max(fw, fh)
        glare += rng.uniform(60, 110) * np.exp(-(((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * r * r)))
        info["glare"] = True
    light = cv2.resize(light, (fw, fh), interpolation=cv2.INTER_LINEAR)
    glare = cv2.resize(glare, (fw, fh), interpolation=cv2.INTER_LINEAR)
    tint = np.array([rng.uniform(0.92, 1.0), rng.uniform(0.95, 1.0), rng.uniform(0.9, 1.05)], np.float32)
    frame = frame * light[:, :, None] * tint[None, None, :] + glare[:, :, None]
    blur = rng.choice([0.0, 0.0, 0.6, 0.9, 1.3])
    if blur:
        frame = cv2.GaussianBlur(frame, (0, 0), blur)
    noise = rng.uniform(1.5, 7.0)
    frame += np.random.default_rng(rng.randrange(2**32)).standard_normal(frame.shape, dtype=np.float32) * noise
    img = np.clip(frame, 0, 255).astype(np.uint8)
    turn = rng.choices([0, 90, 180, 270], weights=[80, 8, 6, 6])[0]
    if turn:
        img = np.ascontiguousarray(np.rot90(img, turn // 90))
    quality = rng.randint(50, 75)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=quality)
    info.update(
        {
            "size": [img.shape[1], img.shape[0]],
            "angle_deg": round(float(np.rad2deg(angle)), 2),
            "rot90_ccw": turn,
            "blur_sigma_px": blur,
            "noise_sigma": round(noise, 2),
            "jpeg_quality": quality,
            "cut_edge": cut,
            "page_quad": [[round(float(x), 1), round(float(y), 1)] for x, y in corners],
            "page_px_per_mm": round(scale * pw / 210, 2),
        }
    )
    return buf.getvalue(), info
