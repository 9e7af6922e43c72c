#!/usr/bin/env python3
"""The web page in a real browser: headless Chromium driven over WebDriver
(Selenium) loads the page that `scripts/web-digits.sh --build` made, draws
real held-out MNIST digits on the canvas with pointer input (a press, a drag
along each run of ink, a release, row by row), and checks that the page shows
the digit Keras predicts for each. Saves a screenshot, and fails on any error
in the browser's console.

Needs python3 with selenium, and Debian's chromium and chromium-driver
(`.ci/run` installs them).
"""

import functools
import http.server
import json
import os
import sys
import threading
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

SITE = os.path.join(os.path.dirname(__file__), "..", "target", "web-digits")
SCREENSHOT = os.path.join(SITE, "..", "web-digits.png")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve():
    handler = functools.partial(Quiet, directory=SITE)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def browser():
    options = Options()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,800"):
        options.add_argument(argument)
    options.binary_location = "/usr/bin/chromium"
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def draw(driver, pad, pixels):
    """Each run of ink in each row as one stroke: press, drag, release."""
    size = pad.size["width"]
    cell = size / 28
    actions = ActionChains(driver, duration=0)
    for row in range(28):
        column = 0
        while column < 28:
            if pixels[row * 28 + column] < 128:
                column += 1
                continue
            end = column
            while end + 1 < 28 and pixels[row * 28 + end + 1] >= 128:
                end += 1
            y = int((row + 0.5) * cell - size / 2)
            x0 = int((column + 0.5) * cell - size / 2)
            x1 = int((end + 0.5) * cell - size / 2)
            actions.move_to_element_with_offset(pad, x0, y).click_and_hold()
            actions.move_by_offset(x1 - x0, 0).release()
            column = end + 1
    actions.perform()


def main():
    server = serve()
    driver = browser()
    failures = []
    try:
        driver.get(f"http://127.0.0.1:{server.server_address[1]}/index.html")
        WebDriverWait(driver, 30).until(
            lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
        samples = json.load(open(os.path.join(SITE, "digits.json")))
        pad = driver.find_element(By.ID, "pad")
        for sample in samples:
            driver.find_element(By.ID, "clear").click()
            draw(driver, pad, sample["pixels"])
            time.sleep(0.3)  # the page classifies on the next animation frame
            shown = driver.find_element(By.ID, "digit").text
            verdict = "ok" if shown == str(sample["keras"]) else "WRONG"
            print(f"digit {sample['index']} (label {sample['label']}): page shows {shown}, "
                  f"Keras {sample['keras']}: {verdict}")
            if verdict != "ok":
                failures.append(sample["index"])
        # The int8 switch: the same drawings, TensorFlow Lite's answers.
        float_time = driver.find_element(By.ID, "time").text
        driver.find_element(By.CSS_SELECTOR, 'input[name="precision"][value="int8"]').click()
        for sample in samples:
            driver.find_element(By.ID, "clear").click()
            draw(driver, pad, sample["pixels"])
            time.sleep(0.3)
            shown = driver.find_element(By.ID, "digit").text
            verdict = "ok" if shown == str(sample["tflite"]) else "WRONG"
            print(f"int8: digit {sample['index']}: page shows {shown}, "
                  f"TensorFlow Lite {sample['tflite']}: {verdict}")
            if verdict != "ok":
                failures.append(f"int8 {sample['index']}")
        print("one int8 inference in the browser:", driver.find_element(By.ID, "time").text,
              "(float32:", float_time + ")")
        # A real digit through the sample buttons too, for the screenshot.
        driver.find_element(By.CSS_SELECTOR, "#samples button").click()
        time.sleep(0.3)
        driver.save_screenshot(SCREENSHOT)
        print(f"screenshot: {os.path.normpath(SCREENSHOT)}")
        print("one inference in the browser:", driver.find_element(By.ID, "time").text)
        errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        for entry in errors:
            print("console error:", entry["message"])
        if errors:
            failures.append("console errors")
    finally:
        driver.quit()
        server.shutdown()
    if failures:
        print(f"FAILED: {failures}")
        return 1
    print(f"{len(samples)} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
