// Placeholder until the frontend bundle is built: lists the experiments.
export async function render() {
  const res = await fetch("./diagnosis");
  const doc = await res.json();
  const ul = document.createElement("ul");
  for (const c of doc.curves || []) {
    const li = document.createElement("li");
    li.textContent = `${c.name} (${c.metric}): ${c.status}`;
    ul.appendChild(li);
  }
  document.body.appendChild(ul);
}
