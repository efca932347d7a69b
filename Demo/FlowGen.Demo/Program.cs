// FlowGen demo viewer entry point (Vulkan terrain fly-over). See README "Demo viewer".
return 0;
