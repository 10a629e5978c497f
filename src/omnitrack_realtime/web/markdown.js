// A small Markdown renderer for the copilot's answers that builds DOM nodes, never HTML:
// raw HTML in the text stays text. It knows what the copilot writes: paragraphs, headings,
// bullet and numbered lists, fenced code, block quotes, tables, **bold**, *italic*, `code`
// and [links](https://...) (http and https only; anything else stays text).

import { h } from "./dom.js";

const INLINE = /(\*\*[^*\n]+\*\*|__[^_\n]+__|`[^`\n]+`|\*[^*\s][^*\n]*\*|_[^_\s][^_\n]*_|\[[^\]\n]+\]\([^)\s]+\))/;

/** The inline Markdown of `text` as nodes. */
export function inline(text) {
  const nodes = [];
  for (const part of text.split(INLINE)) {
    if (!part) continue;
    if ((part.startsWith("**") && part.endsWith("**")) || (part.startsWith("__") && part.endsWith("__"))) {
      nodes.push(h("strong", {}, inline(part.slice(2, -2))));
    } else if (part.startsWith("`") && part.endsWith("`") && part.length > 1) {
      nodes.push(h("code", {}, part.slice(1, -1)));
    } else if (/^[*_].+[*_]$/.test(part) && part[0] === part[part.length - 1]) {
      nodes.push(h("em", {}, inline(part.slice(1, -1))));
    } else if (part.startsWith("[")) {
      const match = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(part);
      if (match && /^https?:\/\//i.test(match[2])) {
        nodes.push(h("a", { href: match[2], rel: "noopener noreferrer", target: "_blank" }, match[1]));
      } else {
        nodes.push(document.createTextNode(part));
      }
    } else {
      nodes.push(document.createTextNode(part));
    }
  }
  return nodes;
}

function isTableRow(line) {
  return /^\s*\|.*\|\s*$/.test(line);
}

function cells(line) {
  return line.trim().replace(/^\||\|$/g, "").split("|").map((cell) => cell.trim());
}

/** The Markdown `text` as a fragment of block elements. */
export function renderMarkdown(text) {
  const fragment = document.createDocumentFragment();
  const lines = String(text).replace(/\r\n?/g, "\n").split("\n");
  let index = 0;
  while (index < lines.length) {
    const line = lines[index];
    if (!line.trim()) {
      index += 1;
      continue;
    }
    if (line.startsWith("```")) {
      const code = [];
      index += 1;
      while (index < lines.length && !lines[index].startsWith("```")) code.push(lines[index++]);
      index += 1; // the closing fence (or the end of a stream still going)
      fragment.append(h("pre", {}, h("code", {}, code.join("\n"))));
      continue;
    }
    const heading = /^(#{1,4})\s+(.*)$/.exec(line);
    if (heading) {
      fragment.append(h(`h${Math.min(heading[1].length + 2, 6)}`, {}, inline(heading[2])));
      index += 1;
      continue;
    }
    if (/^\s*([-*+]|\d+[.)])\s+/.test(line)) {
      const ordered = /^\s*\d+[.)]\s+/.test(line);
      const list = h(ordered ? "ol" : "ul");
      while (index < lines.length && /^\s*([-*+]|\d+[.)])\s+/.test(lines[index])) {
        list.append(h("li", {}, inline(lines[index].replace(/^\s*([-*+]|\d+[.)])\s+/, ""))));
        index += 1;
      }
      fragment.append(list);
      continue;
    }
    if (line.startsWith(">")) {
      const quoted = [];
      while (index < lines.length && lines[index].startsWith(">")) {
        quoted.push(lines[index++].replace(/^>\s?/, ""));
      }
      fragment.append(h("blockquote", {}, inline(quoted.join(" "))));
      continue;
    }
    if (isTableRow(line) && index + 1 < lines.length && /^\s*\|[\s:|-]+\|\s*$/.test(lines[index + 1])) {
      const head = h("tr", {}, cells(line).map((cell) => h("th", {}, inline(cell))));
      const body = [];
      index += 2;
      while (index < lines.length && isTableRow(lines[index])) {
        body.push(h("tr", {}, cells(lines[index++]).map((cell) => h("td", {}, inline(cell)))));
      }
      fragment.append(h("table", {}, h("thead", {}, head), h("tbody", {}, body)));
      continue;
    }
    const paragraph = [];
    while (
      index < lines.length &&
      lines[index].trim() &&
      !/^(```|#{1,4}\s|>|\s*([-*+]|\d+[.)])\s+)/.test(lines[index])
    ) {
      paragraph.push(lines[index++]);
    }
    const parts = [];
    paragraph.forEach((text, position) => {
      if (position) parts.push(h("br"));
      parts.push(...inline(text));
    });
    fragment.append(h("p", {}, parts));
  }
  return fragment;
}
