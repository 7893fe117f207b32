// Follow TensorBoard's theme. TensorBoard (2.x) marks dark mode with a
// `dark-mode` class on its page's <body>, set from its theme menu (Light,
// Dark, Browser default); the tab's iframe is same-origin, so it watches that
// class. Outside TensorBoard (or if the parent cannot be read) the browser's
// `prefers-color-scheme` decides.

export interface Theme {
  dark: boolean;
  /** Canvas colours: the plot's background (for PNGs), text, axis lines and grid. */
  background: string;
  text: string;
  axis: string;
  grid: string;
}

export const LIGHT: Theme = {
  dark: false,
  background: "#ffffff",
  text: "#212121",
  axis: "#616161",
  grid: "rgba(0,0,0,0.08)",
};
export const DARK: Theme = {
  dark: true,
  background: "#303030",
  text: "#e0e0e0",
  axis: "#bdbdbd",
  grid: "rgba(255,255,255,0.12)",
};

const DARK_CLASS = "dark-mode";
const DARK_QUERY = "(prefers-color-scheme: dark)";

/** TensorBoard's page body, when the tab runs in a same-origin frame of it. */
function hostBody(): HTMLElement | null {
  try {
    return window.parent !== window ? window.parent.document.body : null;
  } catch {
    return null; // A cross-origin parent.
  }
}

export function currentTheme(): Theme {
  const body = hostBody();
  const dark = body ? body.classList.contains(DARK_CLASS) : window.matchMedia(DARK_QUERY).matches;
  return dark ? DARK : LIGHT;
}

/** Call `onChange` with the new theme whenever TensorBoard's (or the browser's) theme changes. */
export function followTheme(onChange: (theme: Theme) => void): void {
  let last = currentTheme().dark;
  const check = () => {
    const theme = currentTheme();
    if (theme.dark !== last) {
      last = theme.dark;
      onChange(theme);
    }
  };
  const body = hostBody();
  if (body) new MutationObserver(check).observe(body, { attributes: true, attributeFilter: ["class"] });
  else window.matchMedia(DARK_QUERY).addEventListener("change", check);
}
