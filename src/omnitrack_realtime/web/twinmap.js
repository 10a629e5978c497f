// The twin as an SVG map: nodes placed by longitude and latitude (an equirectangular view
// fitted to the network), coloured by status, links drawn as arrows in the direction goods
// flow (both ends for two-way links). The state follows digital_twin_update events; a change
// it cannot apply asks for a fresh snapshot.

import { svg, replaceChildren } from "./dom.js";

const WIDTH = 800;
const HEIGHT = 420;
const PAD = 90; // room for the labels of the outermost nodes
const RADIUS = 9;

export class TwinMap {
  constructor(element, onselect) {
    this.element = element;
    this.onselect = onselect;
    this.nodes = new Map();
    this.connections = [];
    this.selected = null;
  }

  /** Replace everything with a snapshot from /api/twin. */
  load(snapshot) {
    this.nodes = new Map((snapshot.nodes || []).map((node) => [node.id, node]));
    this.connections = (snapshot.connections || []).slice();
    this.render();
  }

  /** Apply a digital_twin_update's changes; false when one of them needs a snapshot. */
  apply(data) {
    let complete = true;
    for (const change of Array.isArray(data?.changes) ? data.changes : []) {
      switch (change.change) {
        case "node_added":
        case "node_updated":
        case "node_renamed":
          if (change.node?.id) this.nodes.set(change.node.id, change.node);
          else complete = false;
          break;
        case "node_removed": {
          const id = change.nodeId || change.node?.id;
          this.nodes.delete(id);
          this.connections = this.connections.filter((c) => c.source !== id && c.target !== id);
          if (this.selected === id) this.select(null);
          break;
        }
        case "connection_added":
          if (change.connection) {
            this._dropLink(change.connection.source, change.connection.target);
            this.connections.push(change.connection);
          } else complete = false;
          break;
        case "connection_removed":
          this._dropLink(change.source ?? change.connection?.source, change.target ?? change.connection?.target);
          break;
        case "alert_updated":
        case "settings_updated":
          break; // nothing on the map
        default:
          complete = false;
      }
    }
    this.render();
    return complete;
  }

  _dropLink(source, target) {
    this.connections = this.connections.filter(
      (c) => !((c.source === source && c.target === target) || (c.source === target && c.target === source)),
    );
  }

  select(id) {
    this.selected = id;
    this.render();
    this.onselect(id === null ? null : this.nodes.get(id) || null);
  }

  _projection() {
    const nodes = [...this.nodes.values()];
    const lons = nodes.map((n) => Number(n.location?.longitude) || 0);
    const lats = nodes.map((n) => Number(n.location?.latitude) || 0);
    let [west, east] = [Math.min(...lons), Math.max(...lons)];
    let [south, north] = [Math.min(...lats), Math.max(...lats)];
    // At least 30 x 15 degrees, so one node (or a cluster) sits in a readable frame.
    const widen = (low, high, least) => {
      const extra = Math.max(0, least - (high - low)) / 2;
      return [low - extra, high + extra];
    };
    [west, east] = widen(west, east, 30);
    [south, north] = widen(south, north, 15);
    const scale = Math.min((WIDTH - 2 * PAD) / (east - west), (HEIGHT - 2 * PAD) / (north - south));
    const x0 = (WIDTH - scale * (east - west)) / 2;
    const y0 = (HEIGHT - scale * (north - south)) / 2;
    return {
      x: (lon) => x0 + (lon - west) * scale,
      y: (lat) => y0 + (north - lat) * scale,
      bounds: { west: west - x0 / scale, east: east + x0 / scale, south: south - y0 / scale, north: north + y0 / scale },
    };
  }

  render() {
    const children = [
      svg(
        "defs",
        {},
        svg(
          "marker",
          { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" },
          svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrow-head" }),
        ),
      ),
      svg("rect", { x: 0, y: 0, width: WIDTH, height: HEIGHT, class: "map-sea" }),
    ];
    if (this.nodes.size === 0) {
      children.push(svg("text", { x: WIDTH / 2, y: HEIGHT / 2, class: "map-empty" }, "No nodes yet: ask the copilot to add one."));
      replaceChildren(this.element, children);
      return;
    }
    const { x, y, bounds } = this._projection();
    // A graticule every 10 degrees, for a sense of place and distance.
    for (let lon = Math.ceil(bounds.west / 10) * 10; lon <= bounds.east; lon += 10) {
      children.push(svg("line", { x1: x(lon), y1: 0, x2: x(lon), y2: HEIGHT, class: "graticule" }));
    }
    for (let lat = Math.ceil(bounds.south / 10) * 10; lat <= bounds.north; lat += 10) {
      children.push(svg("line", { x1: 0, y1: y(lat), x2: WIDTH, y2: y(lat), class: "graticule" }));
    }
    const at = (node) => [x(Number(node.location?.longitude) || 0), y(Number(node.location?.latitude) || 0)];
    for (const link of this.connections) {
      const source = this.nodes.get(link.source);
      const target = this.nodes.get(link.target);
      if (!source || !target) continue;
      const [x1, y1] = at(source);
      const [x2, y2] = at(target);
      const length = Math.hypot(x2 - x1, y2 - y1) || 1;
      const [dx, dy] = [((x2 - x1) / length) * (RADIUS + 2), ((y2 - y1) / length) * (RADIUS + 2)];
      children.push(
        svg("line", {
          x1: x1 + dx,
          y1: y1 + dy,
          x2: x2 - dx,
          y2: y2 - dy,
          class: "link",
          "data-source": link.source,
          "data-target": link.target,
          "marker-end": "url(#arrow)",
          "marker-start": link.bidirectional ? "url(#arrow)" : null,
        }),
      );
    }
    const labelled = [];
    for (const node of this.nodes.values()) {
      const [cx, cy] = at(node);
      // A label goes above its node when one below would run into a near neighbour's.
      const crowded = labelled.some(([x0, y0]) => Math.abs(x0 - cx) < 110 && Math.abs(y0 - cy) < 24);
      const labelY = crowded ? cy - RADIUS - 6 : cy + RADIUS + 14;
      labelled.push([cx, crowded ? cy - 30 : cy]);
      const status = ["operational", "degraded", "disrupted", "offline"].includes(node.status) ? node.status : "unknown";
      children.push(
        svg(
          "g",
          {
            class: `node status-${status}${node.id === this.selected ? " selected" : ""}`,
            "data-id": node.id,
            tabindex: "0",
            role: "button",
            "aria-label": `${node.name} (${node.type}, ${node.status})`,
            onclick: () => this.select(node.id),
            onkeydown: (event) => {
              if (event.key === "Enter" || event.key === " ") this.select(node.id);
            },
          },
          svg("title", {}, `${node.name}: ${node.status}`),
          svg("circle", { cx, cy, r: RADIUS }),
          svg("text", { x: cx, y: labelY }, node.name),
        ),
      );
    }
    replaceChildren(this.element, children);
    if (this.selected !== null && !this.nodes.has(this.selected)) this.selected = null;
  }
}

export const MAP_SIZE = { width: WIDTH, height: HEIGHT };
