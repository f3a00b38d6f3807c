/**
 * The WebGPU adapter as a row records it (vendor, architecture, device, fallback), so a software
 * (SwiftShader) number is never read as a GPU number. Self-contained (no imports, no helpers):
 * the page engine calls it, and detection hands its source to a page as it is.
 */
export async function adapterVersions(): Promise<Record<string, string>> {
  type Info = {
    vendor: string;
    architecture: string;
    device: string;
    description: string;
    isFallbackAdapter?: boolean;
  };
  type Adapter = { info: Info; isFallbackAdapter?: boolean };
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<Adapter | null> } } }).navigator?.gpu;
  if (!gpu) return { 'webgpu.adapter': 'none (navigator.gpu is missing: WebGPU is off in this browser)' };
  const adapter = await gpu.requestAdapter();
  if (!adapter) return { 'webgpu.adapter': 'none (requestAdapter returned no adapter)' };
  const info = adapter.info;
  return {
    'webgpu.vendor': info.vendor || 'unknown',
    'webgpu.architecture': info.architecture || 'unknown',
    'webgpu.device': info.device || info.description || 'unknown',
    'webgpu.isFallbackAdapter': String(Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter)),
  };
}

/** A software adapter: Chromium's SwiftShader, or any adapter that says it is a fallback. */
export const isSoftwareAdapter = (v: Record<string, string>): boolean =>
  v['webgpu.isFallbackAdapter'] === 'true' || v['webgpu.architecture'] === 'swiftshader';

/** How a reason names the adapter: "google swiftshader (software: not a GPU number)". */
export function adapterText(v: Record<string, string>): string {
  if (!v['webgpu.vendor']) return v['webgpu.adapter'] ?? 'none';
  const soft = isSoftwareAdapter(v) ? ' (software fallback adapter: not a GPU number)' : '';
  return `${v['webgpu.vendor']} ${v['webgpu.architecture']}${soft}`;
}
