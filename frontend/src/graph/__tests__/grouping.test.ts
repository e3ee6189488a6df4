import { groupOf, labelValue } from "../grouping";
import type { GraphNode } from "../types";
import { eq, test } from "./harness";

const container: GraphNode = {
  id: "c1;<container>",
  label: "shop-api",
  metadata: [
    { id: "docker_image_name", label: "Image name", value: "local/busybox" },
    { id: "kubernetes_namespace", label: "Namespace", value: "shop" },
  ],
  parents: [
    { id: "local/busybox;<container_image>", label: "local/busybox", topologyId: "containers-by-image" },
    { id: "vm;<host>", label: "vm", topologyId: "hosts" },
  ],
  tables: [
    {
      id: "docker_label_",
      label: "Docker labels",
      type: "property-list",
      rows: [{ id: "label_tier", entries: { label: "tier", value: "api" } }],
    },
    {
      id: "docker_env_",
      rows: [{ id: "label_LOG_LEVEL", entries: { label: "LOG_LEVEL", value: "info" } }],
    },
  ],
};

export const tests = [
  test("host: the hosts parent", () => {
    eq(groupOf(container, "host"), { key: "host|vm;<host>", label: "vm" });
  }),
  test("namespace: metadata first, then a namespaces parent", () => {
    eq(groupOf(container, "namespace")?.label, "shop");
    const pod: GraphNode = { id: "p", label: "p", parents: [{ id: "ns1", label: "kube-system", topologyId: "namespaces" }] };
    eq(groupOf(pod, "namespace"), { key: "namespace|ns1", label: "kube-system" });
  }),
  test("image: the containers-by-image parent, else the image metadata", () => {
    eq(groupOf(container, "image")?.label, "local/busybox");
    const bare: GraphNode = { id: "b", label: "b", metadata: [{ id: "docker_image_name", value: "nginx" }] };
    eq(groupOf(bare, "image"), { key: "image|nginx", label: "nginx" });
  }),
  test("label:<key> reads label tables, not environment tables", () => {
    eq(labelValue(container, "tier"), "api");
    eq(labelValue(container, "LOG_LEVEL"), null);
    eq(groupOf(container, "label:tier"), { key: "label:tier|api", label: "tier=api" });
  }),
  test("label:<key> falls back to metadata labels", () => {
    eq(groupOf(container, "label:Namespace")?.key, "label:Namespace|shop");
  }),
  test("ungrouped: no option, no value, pseudo nodes", () => {
    eq(groupOf(container, null), null);
    eq(groupOf(container, "label:missing"), null);
    eq(groupOf({ id: "in-theinternet", label: "The Internet", pseudo: true, parents: container.parents }, "host"), null);
  }),
];
