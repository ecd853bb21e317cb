"""WCAG 2.1 colour contrast, so a practice's brand cannot make a handout unreadable."""

from __future__ import annotations

import colorsys

BODY_TEXT_MINIMUM = 4.5
LARGE_TEXT_MINIMUM = 3.0


def relative_luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def nearest_passing(colour: str, against: str, minimum: float) -> str | None:
    """The shade of ``colour`` (same hue and saturation) closest in lightness that reaches ``minimum`` against ``against``."""
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    hue, lightness, saturation = colorsys.rgb_to_hls(red, green, blue)
    for step in range(1, 201):
        for direction in (-1, 1):
            candidate_lightness = lightness + direction * step / 200
            if not 0 <= candidate_lightness <= 1:
                continue
            rgb = colorsys.hls_to_rgb(hue, candidate_lightness, saturation)
            candidate = "#" + "".join(f"{round(channel * 255):02x}" for channel in rgb)
            if contrast_ratio(candidate, against) >= minimum:
                return candidate
    return None
