// The task API's client. Most calls use fetch; marking a task done uses
// XMLHttpRequest, as older code often still does, so the demo shows both
// instrumentations. Each call starts its request synchronously, so a click
// handler that calls it is still the active span when the request begins.
import { API_URL } from "./config";

export interface Task {
  id: number;
  title: string;
  done: boolean;
}

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(await errorText(response.status, await response.text()));
  return (await response.json()) as T;
}

async function errorText(status: number, body: string): Promise<string> {
  try {
    return `${status}: ${JSON.parse(body).error}`;
  } catch {
    return `${status}: ${body || "request failed"}`;
  }
}

export function listTasks(): Promise<Task[]> {
  return fetch(`${API_URL}/api/tasks`).then((r) => json<Task[]>(r));
}

export function addTask(title: string): Promise<Task> {
  return fetch(`${API_URL}/api/tasks`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title }),
  }).then((r) => json<Task>(r));
}

export function setDone(id: number, done: boolean): Promise<Task> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PATCH", `${API_URL}/api/tasks/${id}`);
    xhr.setRequestHeader("content-type", "application/json");
    xhr.onload = () => {
      if (xhr.status === 200) resolve(JSON.parse(xhr.responseText) as Task);
      else errorText(xhr.status, xhr.responseText).then((e) => reject(new Error(e)));
    };
    xhr.onerror = () => reject(new Error("network error"));
    xhr.send(JSON.stringify({ done }));
  });
}

export async function deleteTask(id: number): Promise<void> {
  const response = await fetch(`${API_URL}/api/tasks/${id}`, { method: "DELETE" });
  if (!response.ok) throw new Error(await errorText(response.status, await response.text()));
}
