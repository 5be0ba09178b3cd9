"""Signing in through the login page, as a person does, for the browser tests."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from web_book import PASSWORD


def sign_in(page: Page, server: str, username: str) -> None:
    page.goto(f"{server}/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action='/login'] button").click()
    expect(page.locator(".who .user")).to_be_visible()
