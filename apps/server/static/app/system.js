// The system page: version, uptime, health entries and the recent log lines.

import { h, mount } from "./ui.js";
import { t } from "./i18n.js";

export async function systemView(view) {
  mount(view, h("h1", { text: t("system.heading") }));
}
