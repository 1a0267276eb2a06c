variable "REGISTRY" {
    default = "docker.io"
}

variable "REGISTRY_USER" {
    default = "MisterTeee"
}

variable "APP" {
    default = "SD.next"
}

variable "RELEASE" {
    default = "1.0.0"
}

variable "CU_VERSION" {
    default = "121"
}

variable "BASE_IMAGE_REPOSITORY" {
    default = "MisterTeee/runpod-base"
}

variable "BASE_IMAGE_VERSION" {
    default = "1.3.0"
}

variable "CUDA_VERSION" {
    default = "12.1.1"
}

variable "TORCH_VERSION" {
    default = "2.3.0"
}

target "default" {
    dockerfile = "Dockerfile"
    tags = ["${REGISTRY}/${REGISTRY_USER}/${APP}:${RELEASE}"]
    args = {
        RELEASE = "${RELEASE}"
        BASE_IMAGE = "${BASE_IMAGE_REPOSITORY}:${BASE_IMAGE_VERSION}-cuda${CUDA_VERSION}-torch${TORCH_VERSION}"
        INDEX_URL = "https://download.pytorch.org/whl/cu${CU_VERSION}"
        TORCH_VERSION = "${TORCH_VERSION}+cu${CU_VERSION}"
        XFORMERS_VERSION = "0.0.26.post1"
        WEBUI_VERSION = "v${RELEASE}"
        CONTROLNET_COMMIT = "59c43499ea6121aea2e49efd6394975d430e936e"
        CIVITAI_BROWSER_PLUS_VERSION = "v3.5.4"
        APP_MANAGER_VERSION = "1.0.2"
        CIVITAI_DOWNLOADER_VERSION = "2.1.0"
        VENV_PATH = "/workspace/venvs/automatic"
    }
}
