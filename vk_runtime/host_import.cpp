#include "vk_runtime/host_import.h"

#include <string>

#include "vk_runtime/errors.h"

namespace effnet::vk {

HostImport::HostImport(Context& ctx, const void* data, size_t bytes) {
  const DeviceInfo& info = ctx.info();
  if (!info.host_import)
    throw DeviceError(info.name + " lacks VK_EXT_external_memory_host: host memory cannot be imported");
  if (data == nullptr || bytes == 0) throw DeviceError("HostImport: null pointer or size 0");
  const uint64_t align = info.host_import_alignment;
  const auto addr = reinterpret_cast<uintptr_t>(data);
  const uintptr_t begin = addr & ~uintptr_t(align - 1);
  const uint64_t size = (uint64_t(addr - begin) + bytes + align - 1) & ~(align - 1);
  void* host = reinterpret_cast<void*>(begin);
  VkDevice dev = ctx.device();

  auto get_props = reinterpret_cast<PFN_vkGetMemoryHostPointerPropertiesEXT>(
      vkGetDeviceProcAddr(dev, "vkGetMemoryHostPointerPropertiesEXT"));
  if (!get_props) throw DeviceError("vkGetMemoryHostPointerPropertiesEXT not found on " + info.name);
  VkMemoryHostPointerPropertiesEXT hp{VK_STRUCTURE_TYPE_MEMORY_HOST_POINTER_PROPERTIES_EXT};
  check(get_props(dev, VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT, host, &hp),
        "vkGetMemoryHostPointerPropertiesEXT");

  VkExternalMemoryBufferCreateInfo ext{VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO};
  ext.handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT;
  VkBufferCreateInfo bci{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bci.pNext = &ext;
  bci.size = size;
  bci.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT;
  bci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VkBuffer buf = VK_NULL_HANDLE;
  check(vkCreateBuffer(dev, &bci, nullptr, &buf), "vkCreateBuffer (host import)");
  buffer_ = Handle<VkBuffer>(buf, [dev](VkBuffer b) { vkDestroyBuffer(dev, b, nullptr); });

  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(dev, buf, &req);
  const uint32_t types = hp.memoryTypeBits & req.memoryTypeBits;
  if (types == 0)
    throw DeviceError("HostImport: no memory type of " + info.name + " takes this host pointer as a buffer");
  if (req.size > size)
    throw DeviceError("HostImport: " + info.name + " needs " + std::to_string(req.size) + " bytes for a " +
                      std::to_string(size) + "-byte import");
  // A host-coherent type where there is one: the host's writes before a
  // submission are then visible to it without a flush (spec 7.9, "Host Write
  // Ordering Guarantees").
  VkPhysicalDeviceMemoryProperties mp;
  vkGetPhysicalDeviceMemoryProperties(ctx.physical_device(), &mp);
  uint32_t type = UINT32_MAX;
  for (uint32_t t = 0; t < mp.memoryTypeCount; ++t)
    if ((types & (1u << t)) && (mp.memoryTypes[t].propertyFlags & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT)) {
      type = t;
      break;
    }
  if (type == UINT32_MAX)
    throw DeviceError("HostImport: " + info.name +
                      " offers no host-coherent memory type for this host pointer");

  VkImportMemoryHostPointerInfoEXT imp{VK_STRUCTURE_TYPE_IMPORT_MEMORY_HOST_POINTER_INFO_EXT};
  imp.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT;
  imp.pHostPointer = host;
  VkMemoryAllocateInfo mai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  mai.pNext = &imp;
  mai.allocationSize = size;
  mai.memoryTypeIndex = type;
  VkDeviceMemory mem = VK_NULL_HANDLE;
  check(vkAllocateMemory(dev, &mai, nullptr, &mem),
        ("vkAllocateMemory (import of " + std::to_string(size) + " host bytes)").c_str());
  memory_ = Handle<VkDeviceMemory>(mem, [dev](VkDeviceMemory m) { vkFreeMemory(dev, m, nullptr); });
  check(vkBindBufferMemory(dev, buf, mem, 0), "vkBindBufferMemory (host import)");
  offset_ = size_t(addr - begin);
  bytes_ = bytes;
}

}  // namespace effnet::vk
